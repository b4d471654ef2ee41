"""Where a route stands against its plan: late departures, delay, stops at risk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.dispatch import DayProgress, PlannedStop, RouteState, day_progress, progress
from doorstep.domain.handoffs import HandoffStatus as H
from doorstep.domain.order_status import OrderStatus as O
from doorstep.domain.partner_progress import PartnerDelivery, Stage, judge
from tests.domain.test_partner_progress import HELSINKI, facts

T = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def stops() -> list[PlannedStop]:
    """Three stops at 9:00, 9:30 and 10:00, ten minutes each; the last must start by 10:20."""
    return [
        PlannedStop("o1", T + 60 * M, T + 70 * M, T + 120 * M),
        PlannedStop("o2", T + 90 * M, T + 100 * M, None),
        PlannedStop("o3", T + 120 * M, T + 130 * M, T + 140 * M),
    ]


def test_a_van_not_gone_is_waiting_then_late_and_its_stops_slip_with_it() -> None:
    waiting = progress("v", T, stops(), None, {}, T + 10 * M)
    assert (waiting.state, waiting.at_risk) == (RouteState.WAITING, ())
    late = progress("v", T, stops(), None, {}, T + 30 * M)
    assert late.state is RouteState.LATE_DEPARTURE
    assert late.delay == 30 * M
    assert late.at_risk == ("o3",)  # 10:00 + 30 min is past its 10:20 window end


def test_the_delay_is_the_latest_done_stop_against_its_plan() -> None:
    done = {"o1": T + 85 * M}  # planned to leave at 9:10, done at 9:25: 15 minutes late
    found = progress("v", T, stops(), T + 5 * M, done, T + 90 * M)
    assert (found.state, found.stops_done, found.delay) == (RouteState.ON_ROAD, 1, 15 * M)
    assert not found.behind  # 15 minutes is the threshold, not beyond it
    assert found.at_risk == ()  # 10:00 + 15 min starts before 10:20
    later = progress("v", T, stops(), T + 5 * M, {"o1": T + 95 * M}, T + 96 * M)
    assert later.behind
    assert later.at_risk == ("o3",)


def test_a_route_with_every_stop_done_is_finished_and_early_is_not_negative() -> None:
    done = {"o1": T + 65 * M, "o2": T + 91 * M, "o3": T + 121 * M}
    found = progress("v", T, stops(), T, done, T + 200 * M)
    assert (found.state, found.delay, found.at_risk) == (RouteState.FINISHED, 0 * M, ())


def test_a_driver_at_a_stop_too_long_is_dwelling() -> None:
    arrived = {"o2": T + 92 * M}
    found = progress("v", T, stops(), T, {"o1": T + 70 * M}, T + 110 * M, arrived)
    assert found.dwelling == ()  # 18 minutes
    found = progress("v", T, stops(), T, {"o1": T + 70 * M}, T + 113 * M, arrived)
    assert found.dwelling == ("o2",)  # 21 minutes


def test_an_ended_route_is_finished_with_nothing_left_at_risk_or_dwelling() -> None:
    """Ended after one stop, running late, at another stop for long: finished all the same."""
    done, arrived = {"o1": T + 95 * M}, {"o2": T + 100 * M}
    on_road = progress("v", T, stops(), T + 5 * M, done, T + 150 * M, arrived)
    assert (on_road.state, on_road.at_risk, on_road.dwelling) == (
        RouteState.ON_ROAD, ("o3",), ("o2",),
    )  # fmt: skip
    ended = progress("v", T, stops(), T + 5 * M, done, T + 150 * M, arrived, T + 140 * M)
    assert (ended.state, ended.ended_at, ended.stops_done) == (RouteState.FINISHED, T + 140 * M, 1)
    assert (ended.at_risk, ended.dwelling, ended.behind) == ((), (), False)


def partner(order_id: str, handoff: H, order: O, expected: Stage) -> PartnerDelivery:
    found = judge(facts(order_id, handoff=handoff, order=order), HELSINKI, T)
    assert found.stage is expected
    return found


def test_the_days_progress_counts_van_stops_and_partner_orders_each_once() -> None:
    """Vans: v1, v2, v5 of five stops done: 3/5. Partners, per order: p1 delivered, p2
    failed, p3 returned (settled: done); p4 booked, p5 in progress (open); p6 returned then
    handed off again and booked (open); p7 returned then delivered on its second hand-off
    (done); v3 and v4 are on a van's route and handed off too: v3 returned (settled for the
    partner), v4 in progress. Partners 5/9: p1, p2, p3, p7, v3. The whole day, each order
    once: 12 orders (five stops, seven more with partners); done: v1, v2, v5, p1, p2, p3, p7
    = 7. v3 is back at the station, on its van's route and not done there: open."""
    stops = {"v1": True, "v2": True, "v3": False, "v4": False, "v5": True}
    partners = [
        partner("p1", H.DELIVERED, O.DELIVERED, Stage.DELIVERED),
        partner("p2", H.IN_PROGRESS, O.FAILED_ATTEMPT, Stage.FAILED),
        partner("p3", H.RETURNED, O.RECEIVED, Stage.RETURNED),
        partner("p4", H.BOOKED, O.HANDED_OFF, Stage.BOOKED),
        partner("p5", H.IN_PROGRESS, O.OUT_FOR_DELIVERY, Stage.IN_PROGRESS),
        partner("p6", H.RETURNED, O.HANDED_OFF, Stage.RETURNED),
        partner("p6", H.BOOKED, O.HANDED_OFF, Stage.BOOKED),
        partner("p7", H.RETURNED, O.DELIVERED, Stage.RETURNED),
        partner("p7", H.DELIVERED, O.DELIVERED, Stage.DELIVERED),
        partner("v3", H.RETURNED, O.RECEIVED, Stage.RETURNED),
        partner("v4", H.IN_PROGRESS, O.HANDED_OFF, Stage.IN_PROGRESS),
    ]
    assert day_progress(stops, partners) == DayProgress(
        stops_total=5, stops_done=3, partners_total=9, partners_done=5, total=12, done=7
    )
    # The same deliveries again (a partner's events read twice) change no count.
    assert day_progress(stops, partners + partners) == day_progress(stops, partners)


def test_a_van_stop_the_partner_delivered_or_failed_is_done_for_the_day() -> None:
    """v1 was planned on a van, then handed off; its van stop is not done (the parcel went to
    the partner) but the partner delivered it: done, once. v2 likewise failed: done."""
    stops = {"v1": False, "v2": False, "v3": False}
    partners = [
        partner("v1", H.DELIVERED, O.HANDED_OFF, Stage.DELIVERED),
        partner("v2", H.IN_PROGRESS, O.FAILED_ATTEMPT, Stage.FAILED),
    ]
    assert day_progress(stops, partners) == DayProgress(3, 0, 2, 2, 3, 2)
    assert day_progress({}, []) == DayProgress(0, 0, 0, 0, 0, 0)
