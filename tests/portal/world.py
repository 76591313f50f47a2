"""Alerts in the canary world: one for each side of each pair."""

from portal.alerts import alert_kind, raise_alert
from portal.roles import Capability
from portal.webhooks.models import WebhookDelivery
from portal.webhooks.services import subscription_create
from tests.matrix.world import PAIR_PARTIES, pii

ORDER = 15
MATRIX = alert_kind("matrix", "Matrix", Capability.BROKER)


# (the name stored, the side of the pair, the capability it goes to, its title)
SIDES = [
    ("council_alert", 0, Capability.BROKER, "Council alert"),
    ("provider_alert", 1, Capability.PROVIDER_RECORD, "Provider alert"),
]


def build(world):
    for pair, parties in PAIR_PARTIES.items():
        contract = world.get("contract", pair)
        for name, side, capability, title in SIDES:
            alert, _ = raise_alert(
                recipient=world.orgs[parties[side]],
                capability=capability,
                kind=MATRIX,
                key=pair,
                title=f"{title} {pii(pair)}",
                url=contract.get_absolute_url(),
            )
            world.put(name, pair, alert)

    _webhooks(world)


def _webhooks(world):
    """A webhook subscription (with one delivery logged) for each side of each pair: only its
    own organisation sees it."""
    for pair, parties in PAIR_PARTIES.items():
        for name, side in (("council_webhook", 0), ("provider_webhook", 1)):
            organisation = world.orgs[parties[side]]
            subscription = subscription_create(
                actor=None,
                organisation=organisation,
                url=f"https://hooks.example.org/{pair}/{name}",
                events=["invoice.generated"],
                description=f"Matrix {pii(pair)}",
            )
            world.put(name, pair, subscription)
            delivery = WebhookDelivery.objects.create(
                subscription=subscription, event="invoice.generated", payload={"note": pii(pair)}
            )
            world.put(f"{name}_delivery", pair, delivery)
