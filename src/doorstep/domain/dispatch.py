"""The dispatch board: where each route of the day stands against its plan, and what is at risk.

A stop is done when each of its parcels was delivered or failed; its actual time is the device
time of the last of those scans. A route's delay is how late its most recent done stop was
against the plan, and the stops still to come are projected that much later: one whose
projected start falls after the end of its window is at risk of missing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.partner_progress import OPEN_STAGES, PartnerDelivery, Stage

# A van not gone this long after its planned start is late; a route this far behind is behind.
LATE_DEPARTURE = timedelta(minutes=15)
BEHIND = timedelta(minutes=15)
# A driver at a stop this long without delivering or failing: something is wrong there.
LONG_DWELL = timedelta(minutes=20)


class RouteState(StrEnum):
    WAITING = "waiting"  # not departed, not yet late
    LATE_DEPARTURE = "late_departure"
    ON_ROAD = "on_road"
    FINISHED = "finished"  # every stop done, or the route ended (``route_ends``)


@dataclass(frozen=True)
class PlannedStop:
    order_id: str
    start_at: datetime
    departure_at: datetime
    window_end: datetime | None  # the end of the window the plan serves it in, if any


@dataclass(frozen=True)
class RouteProgress:
    vehicle_id: str
    state: RouteState
    planned_start: datetime
    departed_at: datetime | None
    stops_total: int
    stops_done: int
    # How late the route runs: its latest done stop against the plan, or its departure (or
    # the lack of one) when no stop is done yet; never negative.
    delay: timedelta
    at_risk: tuple[str, ...]  # order ids projected to miss their window
    dwelling: tuple[str, ...] = ()  # order ids the driver has been at for over LONG_DWELL
    ended_at: datetime | None = None  # when the driver ended the route back at the station
    # The stops not done yet in sequence, each with its projected arrival: planned, moved by
    # the route's delay, never before now (what customers are told to expect).
    ahead: tuple[tuple[str, datetime], ...] = ()

    @property
    def behind(self) -> bool:
        return self.state is RouteState.ON_ROAD and self.delay > BEHIND


def progress(
    vehicle_id: str,
    planned_start: datetime,
    stops: Sequence[PlannedStop],
    departed_at: datetime | None,
    done: Mapping[str, datetime],
    now: datetime,
    arrived: Mapping[str, datetime] | None = None,
    ended_at: datetime | None = None,
) -> RouteProgress:
    """The route's state at ``now`` from its plan, its departure, its done stops and the stops
    the driver arrived at (and is still at).

    An ended route is finished whatever is left: its stops are at risk no more and nobody
    dwells; what it brought back is the route end's business (and its missed-scan cases).
    """
    finished = [s for s in stops if s.order_id in done]
    delay = _delay(finished, done)
    if departed_at is None:  # every stop moves with a departure that has not happened
        delay = max(delay, now - planned_start)
    elif not finished:
        delay = max(delay, departed_at - planned_start)
    all_done = len(finished) == len(stops) or ended_at is not None
    state = _state(planned_start, departed_at, all_done, now)
    ahead = [s for s in stops if s.order_id not in done and ended_at is None]
    risk = tuple(s.order_id for s in ahead if _misses(s, delay, now))
    dwelling = tuple(
        order_id
        for order_id, since in (arrived or {}).items()
        if now - since > LONG_DWELL and ended_at is None
    )
    projected = tuple((s.order_id, max(s.start_at + delay, now)) for s in ahead)
    return RouteProgress(
        vehicle_id, state, planned_start, departed_at, len(stops), len(finished), delay, risk,
        dwelling, ended_at, projected,
    )  # fmt: skip


@dataclass(frozen=True)
class DayProgress:
    """How far the station's day is: the own vans' stops, the partner deliveries (per order)
    and the whole day (``done`` of ``total``), each as done of all."""

    stops_total: int
    stops_done: int
    partners_total: int
    partners_done: int
    total: int
    done: int


# Delivered or failed by the partner: the order's attempt of the day happened, whoever
# planned it. A return is settled for the partner, yet the order is back at the station.
_ATTEMPTED = frozenset({Stage.DELIVERED, Stage.FAILED})


def day_progress(stops: Mapping[str, bool], partners: Iterable[PartnerDelivery]) -> DayProgress:
    """The day's progress from each van stop (order id -> done, as ``progress`` counts it)
    and the partner deliveries of the day (cancelled hand-offs already left out).

    Partner deliveries count per order: an order the partner returned and that was handed
    off again is one order, done once none of its hand-offs is open (booked or in progress);
    a repeated partner event moves no stage, so it counts nothing twice. An order both on a
    van's route and handed off (planned before the hand-off) counts once in the whole day:
    done when its stop is, or when the partner delivered or failed it; after a return it is
    the van's again.
    """
    found = list(partners)
    handed = {d.order_id for d in found}
    settled = handed - {d.order_id for d in found if d.stage in OPEN_STAGES}
    attempted = {d.order_id for d in found if d.stage in _ATTEMPTED}
    day = {o: o in settled for o in handed} | {o: d or o in attempted for o, d in stops.items()}
    return DayProgress(
        stops_total=len(stops),
        stops_done=sum(stops.values()),
        partners_total=len(handed),
        partners_done=len(settled),
        total=len(day),
        done=sum(day.values()),
    )


def _delay(finished: Sequence[PlannedStop], done: Mapping[str, datetime]) -> timedelta:
    if not finished:
        return timedelta(0)
    latest = max(finished, key=lambda s: done[s.order_id])
    return max(timedelta(0), done[latest.order_id] - latest.departure_at)


def _state(
    planned_start: datetime, departed_at: datetime | None, all_done: bool, now: datetime
) -> RouteState:
    if departed_at is None:
        late = now > planned_start + LATE_DEPARTURE
        return RouteState.LATE_DEPARTURE if late else RouteState.WAITING
    return RouteState.FINISHED if all_done else RouteState.ON_ROAD


def _misses(stop: PlannedStop, delay: timedelta, now: datetime) -> bool:
    if stop.window_end is None:
        return False
    return stop.start_at + delay > stop.window_end or now > stop.window_end
