"""Signing in: django-allauth's sign-in with a second factor for every person (issue 15)."""
