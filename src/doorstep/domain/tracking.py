"""The customer's tracking link: an unguessable token per order, and what the page may show.

The token is handed out once and stored only as its SHA-256, so a copy of the database gives
no working link. An order has one live token: issuing again revokes the old one. A token
works until the earliest of ``HORIZON`` after issue and ``AFTER_FINAL`` after the order
reached a final status (delivered, cancelled, returned to sender): long enough to look at the
proof, short enough that an old link stops showing a home's details.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.order_status import FINAL, OrderStatus
from doorstep.domain.orders import Order

HORIZON = timedelta(days=90)
AFTER_FINAL = timedelta(days=30)
LINK_PREFIX = "trk"
# A token is the prefix and 43 url-safe characters (256 bits); anything far longer is not one.
MAX_TOKEN_LENGTH = 100
# The vehicle's position is shown only to the next few stops of its route (privacy of the rest).
NEXT_STOPS_SHOWN = 3

S = OrderStatus

# What the recipient may change on the page, by status. Preferences and instructions reach the
# driver until the van leaves; a new day only while the parcel is not on a vehicle yet.
PREFERENCES_ALLOWED: frozenset[OrderStatus] = frozenset(
    {S.CREATED, S.NEEDS_ATTENTION, S.READY, S.RECEIVED, S.SORTED, S.LOADED}
)
RESCHEDULE_ALLOWED: frozenset[OrderStatus] = frozenset(
    {S.CREATED, S.NEEDS_ATTENTION, S.READY, S.RECEIVED, S.SORTED}
)

# The statuses in the recipient's words: no station jargon (sorted, lane, attempt).
CUSTOMER_WORDS: dict[OrderStatus, str] = {
    S.CREATED: "Order received",
    S.NEEDS_ATTENTION: "Order received",
    S.READY: "Order received",
    S.RECEIVED: "At the delivery station",
    S.SORTED: "At the delivery station",
    S.LOADED: "Being prepared for delivery",
    S.HANDED_OFF: "With our delivery partner",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.DELIVERED: "Delivered",
    S.FAILED_ATTEMPT: "We could not deliver it this time",
    S.RETURNING_TO_STATION: "On its way back to the station",
    S.RETURNED_TO_SENDER: "Returned to the sender",
    S.CANCELLED: "Cancelled",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class TrackingToken:
    """One issued link of an order; the secret itself is never stored."""

    id: str
    organisation_id: str
    order_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, token_id: str, order: Order, secret: str, at: datetime) -> TrackingToken:
        return cls(token_id, order.organisation_id, order.id, hash_token(secret), at, at + HORIZON)

    def revoke(self, at: datetime) -> None:
        self.revoked_at = self.revoked_at or at

    def ends_at(self, order: Order) -> datetime:
        """When the link stops working, unless revoked before (``order`` is its order)."""
        closed = final_at(order)
        return self.expires_at if closed is None else min(self.expires_at, closed + AFTER_FINAL)

    def live(self, order: Order, now: datetime) -> bool:
        """Whether the link still opens the page of ``order`` at ``now``."""
        return self.revoked_at is None and now < self.ends_at(order)


def final_at(order: Order) -> datetime | None:
    """When the order reached its final status, or None while it is not final."""
    if order.status not in FINAL:
        return None
    reached = [c.at for c in order.history if c.to_status is order.status]
    return max(reached, default=order.updated_at or order.created_at)


def first_name(full_name: str) -> str:
    """The first word of a name: all the recipient learns of the driver."""
    return full_name.split()[0] if full_name.split() else ""
