"""Settings follow cookiecutter-django's split: base, local, test, production."""
