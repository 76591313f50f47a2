"""Pure rules on sequences of visits. No ORM, no I/O.

Runs of consecutive visits: Norfolk pays a short-notice cancellation in full unless it is the 4th
or later consecutive cancelled visit of the order (either kind of cancellation counts towards the
run), and the 2nd and 3rd consecutive short-notice cancellation or aborted visit must be notified
to the council `[004 §1.6.1, App. 3]`. A run is broken by any visit whose status is not counted;
runs cross week and period boundaries.
"""

from collections.abc import Iterable, Sequence

# Towards the 4th-cancellation payment rule [004 App. 3]: either kind of cancellation.
PAYMENT_RUN_STATUSES = frozenset({"cancelled_short_notice", "cancelled_with_notice"})
# Towards the notification duty [004 §1.6.1]: short-notice cancellations and aborted visits.
NOTIFICATION_RUN_STATUSES = frozenset({"cancelled_short_notice", "aborted"})


def run_positions(statuses: Sequence[str], counted: Iterable[str]) -> list[int | None]:
    """For visits in time order, each counted visit's position in its run (1, 2, 3…); None for the
    visits that break runs.

    >>> run_positions(["completed", "cancelled_short_notice", "cancelled_with_notice", "aborted",
    ...                "cancelled_short_notice"], PAYMENT_RUN_STATUSES)
    [None, 1, 2, None, 1]
    """
    counted = frozenset(counted)
    positions: list[int | None] = []
    run = 0
    for status in statuses:
        if status in counted:
            run += 1
            positions.append(run)
        else:
            run = 0
            positions.append(None)
    return positions
