"""A dispatcher moves an order to another day: the customer asked for Thursday.

The order may be anywhere before a van takes it: not yet at the station, received, or sorted.
Its parcel stays at the station. The days are the tracking page's (``tracking_actions``):
tomorrow or later, up to ``MAX_DAYS`` ahead, on a day the station opens. A chosen window must
be one of the day's delivery slots with room (``SlotFull`` names the next free ones); without
one the order keeps its hours, on the new day.

If the day's latest plan holds the order, its stop leaves that plan as the day's next version
(``services.planning.live.take_out``) in the same transaction as the order's move, so the day
never has a plan holding an order of another day. A published plan's new version is published
at once and becomes the sort plan: today's sorting, load-out and departure no longer expect the
parcel, and today's day-end does not count it (it is not that day's any more). A sorted order
goes back to received, as closing the day does, to be sorted for its new day's route.

The customer hears of the move (``Trigger.RESCHEDULED``: the new day and window in the
station's time, with the tracking link) from a message queued in the same transaction, when
the organisation's rules ask for it; a move that leaves the day and windows as they were
queues none.

Loaded or out for delivery is refused: the parcel is on a van (unload it first, or record a
failed attempt with the customer's request). Repeating a move changes nothing more: the order
is already on its day and in no plan of it, so no second version is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.order_fixes import FixAction, OrderFix
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.permissions import Permission
from doorstep.domain.schedules import TimeWindow, Weekday
from doorstep.domain.slots import day_windows, next_free, slots
from doorstep.domain.stations import Station
from doorstep.domain.tracking import RESCHEDULE_ALLOWED
from doorstep.planning.versions import PlanVersion
from doorstep.services import messages
from doorstep.services.authorization import Principal, require
from doorstep.services.planning import live
from doorstep.services.planning.live import LiveChange, LivePorts
from doorstep.services.ports import UnitOfWork
from doorstep.services.tracking_actions import MAX_DAYS, SlotFull

S = OrderStatus

# Why an order cannot move from here, and what moves it instead.
_REFUSED: dict[OrderStatus, str] = {
    S.LOADED: "it is loaded on a van: unload it at the station first, then reschedule",
    S.OUT_FOR_DELIVERY: (
        "it is out for delivery: have the driver record a failed attempt with the "
        "customer's request; closing the day moves it to the next day"
    ),
    S.FAILED_ATTEMPT: "its attempt failed: closing the day moves it to the next delivery day",
    S.RETURNING_TO_STATION: "it is on its way back: reschedule it once it is received",
    S.HANDED_OFF: "a delivery partner has it: cancel the hand-off first",
}


@dataclass(frozen=True)
class Rescheduled:
    """The order as it now stands, and the plan version it left (None: it was on no plan,
    or the request repeated a move already made)."""

    order: Order
    change: LiveChange | None
    changed: bool  # False: the order was already on that day and window


def reschedule(
    principal: Principal,
    order_id: str,
    day: date,
    window: tuple[time, time] | None = None,
    *,
    ports: LivePorts,
    keep: Callable[[UnitOfWork, Rescheduled], None] | None = None,
) -> Rescheduled:
    """Move ``order_id`` to ``day`` (in ``window``, local times, if given); take its stop out of
    its old day's latest plan. ``keep`` runs in the transaction that commits the move (an
    idempotency key's answer)."""
    require(principal, Permission.PLANS_LIVE)
    org, now = principal.organisation_id, ports.clock.now()
    with ports.uow as uow:
        order = _load(uow, org, order_id)
        station = _station(uow, order)
        windows = _windows(uow, station, order, day, window, now, lock=False)
        base = _plan_holding(uow, order)
    if base is None and (order.service_date, order.time_windows) == (day, windows):
        done = Rescheduled(order, None, changed=False)  # a repeat: nothing to do
        if keep is not None:
            with ports.uow as uow:
                keep(uow, done)
                uow.commit()
        return done
    actor = f"{principal.kind.value}:{principal.actor_id}"
    route = base.plan.route_of(order_id) if base is not None else None
    affected = (route.vehicle_id,) if route is not None else ()
    moved: list[Order] = []

    def move(uow: UnitOfWork, version: PlanVersion | None) -> None:
        # Read again in the committing transaction: a scan may have loaded it meanwhile.
        current = _load(uow, org, order_id)
        if current.service_date != order.service_date:
            raise Conflict(f"order {order_id} changed meanwhile; look again", field="date")
        new = _windows(uow, station, current, day, window, now, lock=True)
        updated = _moved(current, day, new, now)
        uow.orders.update(updated)
        uow.order_fixes.add(_fix(ports, updated, current, actor, now, base, version))
        # The customer hears of the move with it, or not at all (nothing when the day and
        # windows stayed: a plan held it on the day asked for).
        messages.queue_for_reschedule(uow, current, updated, now)
        moved.append(updated)
        if keep is not None:
            keep(uow, Rescheduled(updated, change_of(version), changed=True))

    def change_of(version: PlanVersion | None) -> LiveChange | None:
        return None if version is None or base is None else LiveChange(base, version, affected)

    if base is None:
        with ports.uow as uow:
            move(uow, None)
            uow.commit()
        return Rescheduled(moved[0], None, changed=True)
    note = f"live: order {order_id} moved to {day.isoformat()}"
    change = live.take_out(principal, base.id, order_id, note=note, ports=ports, also=move)
    return Rescheduled(moved[0], change, changed=True)


def parse_window(text: str) -> tuple[time, time]:
    """``"HH:MM-HH:MM"`` as two local times; InvalidValue naming ``window`` otherwise."""
    start, sep, end = text.strip().partition("-")
    try:
        if not sep:
            raise ValueError(text)
        first, last = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise InvalidValue("window", f"{text!r} is not HH:MM-HH:MM, e.g. 10:00-12:00") from None
    if first.second or last.second or first.microsecond or last.microsecond:
        raise InvalidValue("window", f"{text!r} is not HH:MM-HH:MM, e.g. 10:00-12:00")
    return first, last


def refusal(status: OrderStatus) -> str | None:
    """Why an order of ``status`` cannot be rescheduled here, or None if it can."""
    if status in RESCHEDULE_ALLOWED:
        return None
    return _REFUSED.get(status, f"it is {status.value.replace('_', ' ')}: it can no longer move")


def _load(uow: UnitOfWork, org: str, order_id: str) -> Order:
    order = uow.orders.get(org, order_id)
    if order is None:
        raise NotFound("order", order_id)
    why = refusal(order.status)
    if why is not None:
        raise Conflict(f"order {order_id} cannot be rescheduled: {why}")
    return order


def _station(uow: UnitOfWork, order: Order) -> Station:
    station = uow.stations.get(order.organisation_id, order.station_id or "")
    if station is None:
        raise Conflict(
            f"order {order.id} has no delivery station yet; fix its address first", "station_id"
        )
    return station


def _windows(
    uow: UnitOfWork,
    station: Station,
    order: Order,
    day: date,
    window: tuple[time, time] | None,
    now: datetime,
    *,
    lock: bool,
) -> tuple[TimeWindow, ...]:
    """The order's windows on ``day``, after the tracking page's rules for days and slots."""
    zone = ZoneInfo(station.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    if day < tomorrow:
        raise InvalidValue("date", f"must be tomorrow ({tomorrow}) or later")
    if day > tomorrow + timedelta(days=MAX_DAYS - 1):
        raise InvalidValue("date", f"may be at most {MAX_DAYS} days ahead")
    if station.hours_on(Weekday(day.weekday())) is None:
        raise InvalidValue("date", f"station {station.code} does not deliver on {day:%A %Y-%m-%d}")
    if window is None:
        return tuple(_on(w, day, order.service_date, zone) for w in order.time_windows)
    offered = day_windows(station, day)
    chosen = next(
        (w for w in offered if (w.start_at.time(), w.end_at.time()) == window),
        None,
    )
    if chosen is None:
        listed = ", ".join(f"{w.start_at:%H:%M}-{w.end_at:%H:%M}" for w in offered)
        raise InvalidValue("window", f"is not a delivery slot of {day}; they are {listed}")
    if (order.service_date, order.time_windows) == (day, (chosen,)):
        return (chosen,)  # its own slot: it counts there already
    if lock:
        uow.tracking.lock_slots(order.organisation_id, station.id)  # count and book as one
    # A night slot may start after midnight: count the day after too.
    booked = uow.tracking.booked_starts(
        order.organisation_id, station.id, day, day + timedelta(days=1), order.id
    )
    found = slots(station, [day], booked)
    slot = next(s for s in found if s.window == chosen)
    if not slot.free:
        raise SlotFull(slot, next_free(found, chosen.start_at))
    return (chosen,)


def _on(window: TimeWindow, day: date, old: date | None, zone: ZoneInfo) -> TimeWindow:
    """``window`` moved from ``old`` to ``day`` keeping its local hours (across a clock change)."""
    shift = day - (old or day)
    start, end = window.start_at.astimezone(zone), window.end_at.astimezone(zone)
    return replace(
        window,
        start_at=datetime.combine(start.date() + shift, start.time(), zone),
        end_at=datetime.combine(end.date() + shift, end.time(), zone),
    )


def _plan_holding(uow: UnitOfWork, order: Order) -> PlanVersion | None:
    """The latest plan of the order's day, if it holds the order (routed or left out)."""
    if order.station_id is None or order.service_date is None:
        return None
    day = (order.organisation_id, order.station_id, order.service_date)
    latest = uow.plans.latest(*day)
    published = uow.plans.published(*day)
    if latest is None:
        return None
    stale = published is not None and published.id != latest.id
    if stale and published is not None and order.id in published.inputs.stops_by_id:
        # Taking it out of the draft alone would leave the running plan expecting it.
        raise Conflict(
            f"plan {published.number} runs {order.service_date} with this order and plan "
            f"{latest.number} is newer and not published: publish or replace it first",
            field="plan_id",
        )
    return latest if order.id in latest.inputs.stops_by_id else None


def _moved(order: Order, day: date, windows: tuple[TimeWindow, ...], now: datetime) -> Order:
    updated = replace(
        order, service_date=day, time_windows=windows, updated_at=now, history=list(order.history)
    )
    if updated.status is S.SORTED:
        # Its lane was today's route's: it is sorted again for the new day's.
        updated.move_to(S.RECEIVED, now, f"back on the shelf: moved to {day.isoformat()}")
    return updated


def _fix(
    ports: LivePorts,
    updated: Order,
    before: Order,
    actor: str,
    now: datetime,
    base: PlanVersion | None,
    version: PlanVersion | None,
) -> OrderFix:
    changes = {
        "service_date": (_text(before.service_date), _text(updated.service_date)),
        "time_windows": (_windows_text(before.time_windows), _windows_text(updated.time_windows)),
    }
    note = "rescheduled by the station"
    if base is not None and version is not None:
        note += f"; taken out of plan {base.number} (now plan {version.number})"
    return OrderFix(
        ports.ids.new_id("fix"), updated.organisation_id, updated.id, now, actor,
        FixAction.EDIT, changes, note,
    )  # fmt: skip


def _text(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _windows_text(windows: tuple[TimeWindow, ...]) -> str:
    return ", ".join(f"{w.start_at.isoformat()}/{w.end_at.isoformat()}" for w in windows)
