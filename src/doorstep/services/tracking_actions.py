"""What the recipient changes on the tracking page: preferences, access notes, the day.

Each change goes through the order's own rules (``dataclasses.replace`` re-runs them) and is
recorded as an order fix by the recipient. A new day and window is a delivery slot of the
station with room left (``domain.slots``): the planner selects orders by station, day and
status, so the next planning run of that day takes the order, with the slot as its window.
Repeating a change changes nothing more: a retried POST never books twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Conflict, InvalidValue
from doorstep.domain.order_fixes import FixAction, OrderFix
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import DeliveryPreferences, Order
from doorstep.domain.slots import Slot, next_free, slots
from doorstep.domain.stations import Station
from doorstep.domain.tracking import PREFERENCES_ALLOWED, RESCHEDULE_ALLOWED
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork
from doorstep.services.tracking import open_order, track
from doorstep.services.tracking_view import TrackingView

RECIPIENT = "recipient"  # the actor of the fixes made on the page
MAX_INSTRUCTIONS = 300  # characters per addition; the notes as a whole keep the order's limit
MAX_DAYS = 14  # how far ahead a recipient may look and book


class SlotFull(Conflict):
    """The chosen slot has no room left; ``alternatives`` are the next ones that do."""

    def __init__(self, slot: Slot, alternatives: list[Slot]) -> None:
        start = slot.window.start_at
        super().__init__(
            f"the slot {start:%Y-%m-%d %H:%M}-{slot.window.end_at:%H:%M} is full; "
            "choose one of the next free slots",
            field="window_start",
        )
        self.alternatives = alternatives


def choose_preference(
    token: str, choice: DeliveryPreferences, *, uow: UnitOfWork, clock: Clock, ids: IdGenerator
) -> TrackingView:
    """Replace what the driver may do when nobody is home (one choice: the others are cleared)."""
    with uow:
        order = _changeable(uow, token, clock.now(), PREFERENCES_ALLOWED)
        if order.preferences != choice:
            _save(uow, ids, order, {"preferences": choice}, "preferences chosen", clock.now())
        uow.commit()
    return track(token, uow=uow, clock=clock)


def add_instructions(
    token: str, text: str, *, uow: UnitOfWork, clock: Clock, ids: IdGenerator
) -> TrackingView:
    """Append the recipient's access instructions to the order's notes, marked as theirs."""
    text = " ".join(text.split())
    if not 0 < len(text) <= MAX_INSTRUCTIONS:
        raise InvalidValue("text", f"must be 1-{MAX_INSTRUCTIONS} characters")
    line = f"Recipient: {text}"
    with uow:
        order = _changeable(uow, token, clock.now(), PREFERENCES_ALLOWED)
        if not order.access_notes.endswith(line):  # the same line again is a retry
            notes = f"{order.access_notes}\n{line}" if order.access_notes else line
            if len(notes) > 1000:
                raise InvalidValue("text", "the access notes are full; call the sender instead")
            _save(uow, ids, order, {"access_notes": notes}, "instructions added", clock.now())
        uow.commit()
    return track(token, uow=uow, clock=clock)


def offered_slots(
    token: str, first: date | None, days: int, *, uow: UnitOfWork, clock: Clock
) -> list[Slot]:
    """The station's slots of ``days`` days from ``first`` (at the earliest tomorrow), with
    what is booked in each; the recipient's own order is not counted against them."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidValue("days", f"must be 1-{MAX_DAYS}")
    now = clock.now()
    with uow:
        _, order = open_order(uow, token, now)
        station = _station(uow, order)
        start = max(first or now.date(), _tomorrow(station, now))
        return _slots(uow, station, order, start, min(days, _days_left(station, now, start)))


def reschedule(
    token: str,
    day: date,
    window_start: datetime,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> TrackingView:
    """Move the order to the slot of ``day`` starting at ``window_start``; SlotFull, with the
    next free slots, when it has no room."""
    now = clock.now()
    with uow:
        order = _changeable(uow, token, now, RESCHEDULE_ALLOWED)
        station = _station(uow, order)
        uow.tracking.lock_slots(order.organisation_id, station.id)  # count and book as one
        if day < _tomorrow(station, now):
            raise InvalidValue("date", "must be tomorrow or later")
        offered = _slots(uow, station, order, day, _days_left(station, now, day))
        chosen = next(
            (s for s in offered if s.day == day and s.window.start_at == window_start), None
        )
        if chosen is None:
            raise InvalidValue("window_start", f"is not a slot of {day}; the slots list them")
        if (order.service_date, order.time_windows) != (day, (chosen.window,)):
            if not chosen.free:
                raise SlotFull(chosen, next_free(offered, chosen.window.start_at))
            _check_not_on_route(uow, order)
            changes = {"service_date": day, "time_windows": (chosen.window,)}
            _save(uow, ids, order, changes, "rescheduled", now)
        uow.commit()
    return track(token, uow=uow, clock=clock)


def _changeable(
    uow: UnitOfWork, token: str, now: datetime, allowed: frozenset[OrderStatus]
) -> Order:
    _, order = open_order(uow, token, now)
    if order.status not in allowed:
        raise Conflict(
            f"the order is {order.status.value.replace('_', ' ')}: it can no longer change"
        )
    return order


def _station(uow: UnitOfWork, order: Order) -> Station:
    station = uow.stations.get(order.organisation_id, order.station_id or "")
    if station is None:
        raise Conflict("no delivery station serves this order yet; try again later")
    return station


def _tomorrow(station: Station, now: datetime) -> date:
    # Today's routes are planned and loaded by the time a recipient looks: only later days.
    return now.astimezone(ZoneInfo(station.timezone)).date() + timedelta(days=1)


def _days_left(station: Station, now: datetime, first: date) -> int:
    """Days from ``first`` to the end of the booking horizon (MAX_DAYS from tomorrow)."""
    left = (_tomorrow(station, now) + timedelta(days=MAX_DAYS) - first).days
    if left < 1:
        raise InvalidValue("date", f"slots are offered up to {MAX_DAYS} days ahead")
    return left


def _slots(uow: UnitOfWork, station: Station, order: Order, first: date, days: int) -> list[Slot]:
    last = first + timedelta(days=days - 1)
    # A night slot may start after midnight: count the day after too.
    booked = uow.tracking.booked_starts(
        order.organisation_id, station.id, first, last + timedelta(days=1), order.id
    )
    return slots(station, [first + timedelta(days=n) for n in range(days)], booked)


def _check_not_on_route(uow: UnitOfWork, order: Order) -> None:
    """A stop on a published route is the driver's to serve; only the station moves it."""
    if order.station_id is None or order.service_date is None:
        return
    version = uow.plans.published(order.organisation_id, order.station_id, order.service_date)
    if version is not None and version.plan.route_of(order.id) is not None:
        raise Conflict(
            f"the delivery is already on a driver's route for {order.service_date}; "
            "contact the sender to move it"
        )


def _save(
    uow: UnitOfWork,
    ids: IdGenerator,
    order: Order,
    changes: Mapping[str, Any],
    note: str,
    at: datetime,
) -> None:
    updated = replace(order, **changes, updated_at=at, history=list(order.history))
    uow.orders.update(updated)
    changed = {name: (_text(getattr(order, name)), _text(value)) for name, value in changes.items()}
    fix = OrderFix(
        ids.new_id("fix"), order.organisation_id, order.id, at, RECIPIENT, FixAction.EDIT,
        changed, f"{note} on the tracking page",
    )  # fmt: skip
    uow.order_fixes.add(fix)


def _text(value: object) -> str:
    if isinstance(value, tuple):  # time windows
        return ", ".join(f"{w.start_at.isoformat()}/{w.end_at.isoformat()}" for w in value)
    if isinstance(value, DeliveryPreferences):
        return "; ".join(f"{name}: {text}" for name, text in asdict(value).items() if text)
    return "" if value is None else str(value)
