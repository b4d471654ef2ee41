"""An order's life cycle: the statuses and the one table of allowed changes between them."""

from __future__ import annotations

from enum import StrEnum

from doorstep.domain.errors import InvalidTransition


class OrderStatus(StrEnum):
    CREATED = "created"
    NEEDS_ATTENTION = "needs_attention"
    READY = "ready"
    RECEIVED = "received"
    SORTED = "sorted"
    LOADED = "loaded"
    OUT_FOR_DELIVERY = "out_for_delivery"
    HANDED_OFF = "handed_off"  # booked with a partner carrier, which delivers it (issue 10)
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNING_TO_STATION = "returning_to_station"
    RETURNED_TO_SENDER = "returned_to_sender"
    CANCELLED = "cancelled"


S = OrderStatus

# The whole life cycle in one place. A pickup (return) follows the same table: it is "out for
# delivery" while a driver heads to it and "returning to station" once collected.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.NEEDS_ATTENTION, S.READY, S.CANCELLED}),
    S.NEEDS_ATTENTION: frozenset({S.READY, S.CANCELLED}),
    # A ready order can fall back to needs_attention when a later check (re-geocoding) fails;
    # a pickup is never received before the driver collects it, so it goes straight out.
    S.READY: frozenset(
        {S.NEEDS_ATTENTION, S.RECEIVED, S.OUT_FOR_DELIVERY, S.HANDED_OFF, S.CANCELLED}
    ),
    S.RECEIVED: frozenset({S.SORTED, S.HANDED_OFF, S.RETURNED_TO_SENDER, S.CANCELLED}),
    S.SORTED: frozenset({S.LOADED, S.RECEIVED, S.HANDED_OFF, S.CANCELLED}),
    # Unloading before departure puts the parcel back on the sorted shelf.
    S.LOADED: frozenset({S.OUT_FOR_DELIVERY, S.SORTED}),
    # Handed to a partner carrier (booked with it): its events move the order on as a
    # driver's scans would; a partner's return brings it back in, and a cancelled hand-off
    # puts it back where it stood (ready, received or sorted).
    S.HANDED_OFF: frozenset(
        {S.OUT_FOR_DELIVERY, S.DELIVERED, S.FAILED_ATTEMPT, S.READY, S.RECEIVED, S.SORTED}
    ),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.FAILED_ATTEMPT, S.RETURNING_TO_STATION}),
    # After a failed attempt a driver may try again the same day, or bring the parcel back.
    S.FAILED_ATTEMPT: frozenset({S.OUT_FOR_DELIVERY, S.RETURNING_TO_STATION}),
    S.RETURNING_TO_STATION: frozenset({S.RECEIVED}),
    S.DELIVERED: frozenset(),
    S.RETURNED_TO_SENDER: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL: frozenset[OrderStatus] = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)

# From ready to delivered, an order stands where its parcels' scans say (``domain.scans``);
# in the others (created, needs attention, cancelled, returned to sender) people decide.
FOLLOWS_SCANS: frozenset[OrderStatus] = frozenset(
    {
        S.READY,
        S.RECEIVED,
        S.SORTED,
        S.LOADED,
        S.HANDED_OFF,
        S.OUT_FOR_DELIVERY,
        S.FAILED_ATTEMPT,
        S.RETURNING_TO_STATION,
        S.DELIVERED,
    }
)

# What a plan may take: announced by the shipper or already at the station (received, sorted
# to a lane of an earlier plan), and not yet on a vehicle nor handed to a partner carrier.
# Stations often plan after the night's parcels came in, so scanned parcels stay plannable.
PLANNABLE: frozenset[OrderStatus] = frozenset({S.READY, S.RECEIVED, S.SORTED})

# Before this point the parcel is not on a vehicle, so its content may still change.
EDITABLE: frozenset[OrderStatus] = frozenset({S.CREATED, S.NEEDS_ATTENTION, S.READY})


def check_transition(current: OrderStatus, requested: OrderStatus, subject: str = "order") -> None:
    """Raise InvalidTransition naming both statuses unless the table allows the change."""
    allowed = TRANSITIONS[current]
    if requested not in allowed:
        raise InvalidTransition(
            subject, current.value, requested.value, frozenset(s.value for s in allowed)
        )
