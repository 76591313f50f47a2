from portal.hooks import demo_module, register_nav

register_nav("TUPE legacy costs", "legacy_costs:index", sides=("commissioner", "provider"), order=65)

demo_module(55, "legacy_costs.demo")
