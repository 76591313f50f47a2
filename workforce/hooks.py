from portal.hooks import demo_module, register_nav

register_nav("Staff", "workforce:staff-list", sides=("provider",), order=60)


demo_module(25, "workforce.demo")
