"""Partner deliveries on the dispatch board: where each stands, whether it is overdue, and the
counts per carrier.

A partner delivery is an order handed to a partner carrier for the day (``domain.handoffs``).
Its **stage** comes from the hand-off and the order's status (which the partner's events move
as scans would):

=============  =====================================================================
stage          when
=============  =====================================================================
returned       the partner brought it back (hand-off ``returned``)
delivered      hand-off ``delivered``, or the order stands delivered
failed         the order stands ``failed_attempt`` (the partner's attempt failed)
booked         booked, no event from the partner yet
in_progress    anything else: the partner has it (picked up, in transit, out for delivery)
=============  =====================================================================

It is **due** by the end of its latest time window; an order without a window is due by the
end of its service day at the station (local midnight). It is **overdue** once ``now`` is past
that while it is still booked or in progress: delivered, failed and returned ones are settled,
whatever the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from doorstep.domain.geo import Location
from doorstep.domain.handoffs import HandoffStatus
from doorstep.domain.order_status import OrderStatus


class Stage(StrEnum):
    BOOKED = "booked"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    FAILED = "failed"
    RETURNED = "returned"


OPEN_STAGES = frozenset({Stage.BOOKED, Stage.IN_PROGRESS})


def stage(handoff: HandoffStatus, order: OrderStatus) -> Stage:
    """The delivery's stage from its hand-off and its order (see the module docstring)."""
    if handoff is HandoffStatus.RETURNED:
        return Stage.RETURNED
    if handoff is HandoffStatus.DELIVERED or order is OrderStatus.DELIVERED:
        return Stage.DELIVERED
    if order is OrderStatus.FAILED_ATTEMPT:
        return Stage.FAILED
    if handoff is HandoffStatus.BOOKED:
        return Stage.BOOKED
    return Stage.IN_PROGRESS


def due_at(window_end: datetime | None, day: date, zone: tzinfo) -> datetime:
    """When the delivery is due: its window's end, else the end of ``day`` in ``zone``."""
    if window_end is not None:
        return window_end
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


@dataclass(frozen=True)
class PartnerFacts:
    """What the board knows of one hand-off of the day and its order."""

    handoff_id: str
    order_id: str
    reference: str  # the shipper's reference
    recipient: str
    carrier_code: str
    carrier_name: str
    tracking_number: str
    handoff_status: HandoffStatus
    order_status: OrderStatus
    day: date  # the hand-off's service date
    window_start: datetime | None  # earliest start of the order's windows
    window_end: datetime | None  # latest end of the order's windows
    last_event_at: datetime | None  # the partner's latest event, by its time
    location: Location | None = None  # the order's delivery point, for the map (if geocoded)


@dataclass(frozen=True)
class PartnerDelivery:
    facts: PartnerFacts
    stage: Stage
    due_at: datetime
    overdue: bool

    @property
    def order_id(self) -> str:
        return self.facts.order_id


def judge(facts: PartnerFacts, zone: tzinfo, now: datetime) -> PartnerDelivery:
    """The delivery's stage at ``now``, when it is due and whether that has passed unsettled."""
    found = stage(facts.handoff_status, facts.order_status)
    due = due_at(facts.window_end, facts.day, zone)
    return PartnerDelivery(facts, found, due, found in OPEN_STAGES and now > due)


@dataclass(frozen=True)
class CarrierTotals:
    """One carrier's partner deliveries of the day by stage; ``overdue`` counts the booked
    and in-progress ones past due (so they are counted twice: in their stage and here)."""

    carrier_code: str
    carrier_name: str
    booked: int = 0
    in_progress: int = 0
    delivered: int = 0
    failed: int = 0
    returned: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.booked + self.in_progress + self.delivered + self.failed + self.returned


def totals(deliveries: Iterable[PartnerDelivery]) -> tuple[CarrierTotals, ...]:
    """Per carrier (by code), how many deliveries stand in each stage and how many are overdue."""
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for d in deliveries:
        code = d.facts.carrier_code
        names.setdefault(code, d.facts.carrier_name)
        row = counts.setdefault(code, {})
        row[d.stage.value] = row.get(d.stage.value, 0) + 1
        row["overdue"] = row.get("overdue", 0) + int(d.overdue)
    return tuple(CarrierTotals(code, names[code], **counts[code]) for code in sorted(counts))


def in_board_order(deliveries: Sequence[PartnerDelivery]) -> tuple[PartnerDelivery, ...]:
    """Overdue first, then the open ones by due time, then the settled ones: what needs the
    dispatcher's eye comes first."""
    return tuple(
        sorted(
            deliveries,
            key=lambda d: (not d.overdue, d.stage not in OPEN_STAGES, d.due_at, d.order_id),
        )
    )
