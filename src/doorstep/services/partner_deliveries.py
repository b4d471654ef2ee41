"""A station's partner deliveries of a day: its orders handed to partner carriers, as the
dispatch board and the KPIs select them, and as the board shows them (``domain.partner_progress``).

The selection (``handed_off``): every hand-off whose service date is the day, cancelled ones
left out, of the station's orders. An order a partner returned and that was handed off again
has two such hand-offs; both show (the first as returned), so the board tells what happened.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from doorstep.domain.handoffs import Handoff, HandoffStatus
from doorstep.domain.orders import Order
from doorstep.domain.partner_progress import PartnerDelivery, PartnerFacts, in_board_order, judge
from doorstep.domain.stations import Station
from doorstep.services.ports import UnitOfWork


def handed_off(
    uow: UnitOfWork, org: str, station_id: str, day: date
) -> list[tuple[Handoff, Order]]:
    """The station's hand-offs for ``day`` (not cancelled) with their orders, oldest first;
    read inside the caller's unit of work."""
    found = [h for h in uow.handoffs.list(org, day=day) if h.status is not HandoffStatus.CANCELLED]
    orders = uow.orders.get_many(org, [h.order_id for h in found])
    return [
        (h, order)
        for h in found
        if (order := orders.get(h.order_id)) is not None and order.station_id == station_id
    ]


def deliveries(
    uow: UnitOfWork, org: str, station: Station, day: date, now: datetime
) -> tuple[PartnerDelivery, ...]:
    """The station's partner deliveries of ``day`` judged at ``now``: overdue ones first."""
    found = handed_off(uow, org, station.id, day)
    names = {c.id: c.name for c in uow.carriers.list(org)} if found else {}
    zone = ZoneInfo(station.timezone)
    return in_board_order([judge(_facts(h, o, names), zone, now) for h, o in found])


def _facts(handoff: Handoff, order: Order, names: dict[str, str]) -> PartnerFacts:
    windows = order.time_windows
    return PartnerFacts(
        handoff_id=handoff.id,
        order_id=order.id,
        reference=order.shipper_reference,
        recipient=order.recipient.name,
        carrier_code=handoff.carrier_code,
        carrier_name=names.get(handoff.carrier_id, handoff.carrier_code),
        tracking_number=handoff.tracking_number,
        handoff_status=handoff.status,
        order_status=order.status,
        day=handoff.service_date,
        window_start=min((w.start_at for w in windows), default=None),
        window_end=max((w.end_at for w in windows), default=None),
        last_event_at=handoff.last_event_at,
        location=order.location,
    )
