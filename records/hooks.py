from portal.hooks import demo_step, register_nav

register_nav("Records", "records:index", sides=("commissioner", "provider"), order=47)


@demo_step(order=35)
def load_demo_records(out):
    from . import demo

    demo.load(out)
