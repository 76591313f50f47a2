from portal.hooks import demo_module, register_nav, register_upload

from .kinds import SPECS

register_nav("Records", "records:index", sides=("commissioner", "provider"), order=47)
for _spec in SPECS.values():
    register_upload(_spec)


demo_module(35, "records.demo")
