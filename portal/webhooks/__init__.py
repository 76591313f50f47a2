"""Webhooks for REST clients: an organisation subscribes a URL to events, and each event on a
record it is party to is delivered there by Celery, signed with HMAC-SHA256, retried with
exponential back-off, and logged.

events.py    the registry (apps declare their events in hooks.py, like alert kinds) and emission
models.py    subscriptions and deliveries (the delivery log)
rules.py     the signature and the back-off (pure)
services.py  subscription writes, queueing deliveries, one delivery attempt
api.py, views.py, urls.py   the API and the pages
"""
