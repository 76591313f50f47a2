"""The webhook signature and the retry back-off: pure, no ORM, no I/O.

The signature follows the scheme Stripe and GitHub made familiar: the receiver recomputes
HMAC-SHA256 over the timestamp and the exact body with the subscription's secret and compares in
constant time; the timestamp in the signed text lets it refuse replays of old deliveries.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Portal-Signature"
EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_valid(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True if `header` signs `body` with `secret` and its timestamp is within `tolerance` seconds
    of `now` (what a receiver checks; the portal's own tests use it as the receiver would)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def retry_delay(attempt: int, *, base_seconds: int, cap_seconds: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based): base, 2×base, 4×base, …
    (exponential back-off), never more than `cap_seconds`.

    >>> [retry_delay(n, base_seconds=60, cap_seconds=3600) for n in range(1, 8)]
    [60, 120, 240, 480, 960, 1920, 3600]
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return int(min(cap_seconds, base_seconds * 2 ** (attempt - 1)))
