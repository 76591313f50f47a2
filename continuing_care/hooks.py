from portal.hooks import demo_module, register_nav

register_nav("Continuing care", "continuing_care:index", order=35)


demo_module(45, "continuing_care.demo")
