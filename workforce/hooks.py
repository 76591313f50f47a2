from portal.hooks import demo_step, register_nav

register_nav("Staff", "workforce:staff-list", sides=("provider",), order=60)


@demo_step(order=25)
def load_workforce_demo(out):
    from . import demo

    demo.load(out)
