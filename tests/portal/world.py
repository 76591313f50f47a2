"""Alerts in the canary world: one for each side of each pair."""

from portal.alerts import raise_alert
from portal.roles import Capability
from tests.matrix.world import PAIR_PARTIES, pii

ORDER = 15


def build(world):
    for pair, (c_key, p_key) in PAIR_PARTIES.items():
        contract = world.get("contract", pair)
        alert, _ = raise_alert(
            recipient=world.orgs[c_key],
            capability=Capability.BROKER,
            kind="matrix",
            key=pair,
            title=f"Council alert {pii(pair)}",
            url=contract.get_absolute_url(),
        )
        world.put("council_alert", pair, alert)
        alert, _ = raise_alert(
            recipient=world.orgs[p_key],
            capability=Capability.PROVIDER_RECORD,
            kind="matrix",
            key=pair,
            title=f"Provider alert {pii(pair)}",
            url=contract.get_absolute_url(),
        )
        world.put("provider_alert", pair, alert)
