"""Live ETAs: ordered along the route, waiting for windows, widening with the horizon."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.eta import (
    Drift,
    EtaModel,
    Pause,
    RemainingStop,
    StopEta,
    TrafficProfile,
    VehicleState,
    live_etas,
    measure_traffic,
    planned_etas,
)
from doorstep.planning.plan import Route, Visit
from doorstep.planning.problem import Window
from doorstep.planning.service_times import ServiceObservation, ServiceTimes, stop_kind
from doorstep.planning.travel import Path, TravelMatrix

EPOCH = datetime(2026, 11, 23, tzinfo=UTC)
HOUR = 3600
ONE = stop_kind(pickup=False, parcels=1)


class LineTravel:
    """Places along a meridian, 1 s of driving per 0.0001 degree of longitude; counts calls.

    From 16:00 to 18:00 (``rush``) every leg takes ``rush_factor`` times as long.
    """

    def __init__(self, rush_factor: float = 1.0) -> None:
        self.calls = 0
        self.rush_factor = rush_factor

    def matrix(
        self,
        origins: Sequence[Location],
        destinations: Sequence[Location] | None = None,
        *,
        profile: SpeedProfile = SpeedProfile.VAN,
        departure: datetime | None = None,
    ) -> TravelMatrix:
        self.calls += 1
        targets = origins if destinations is None else destinations
        a = np.array([o.lon for o in origins])[:, None]
        b = np.array([d.lon for d in targets])[None, :]
        rush = departure is not None and 16 <= departure.hour < 18
        seconds = np.abs(a - b) * 10_000 * (self.rush_factor if rush else 1.0)
        return TravelMatrix(seconds.astype(np.int32), (seconds * 10).astype(np.int32))

    def path(self, origin: Location, destination: Location, **_: Any) -> Path:
        raise NotImplementedError

    def snap(self, points: Sequence[Location], **_: Any) -> np.ndarray[Any, Any]:
        return np.zeros(len(points))


def at(k: int) -> Location:
    """The k-th place: 10 minutes of driving apart (0.06 degree = 600 s)."""
    return Location(60.0, 24.0 + 0.06 * k)


def stops(count: int, **fields: Any) -> list[RemainingStop]:
    values: dict[str, Any] = {"planned_service_s": 120, "kind": ONE} | fields
    return [
        RemainingStop(f"s{k}", at(k + 1), address_key=f"addr {k}", **values) for k in range(count)
    ]


def etas(
    remaining: Sequence[RemainingStop],
    *,
    now: int = 9 * HOUR,
    since: int | None = None,
    model: EtaModel | None = None,
    travel: LineTravel | None = None,
    **state: Any,
) -> tuple[StopEta, ...]:
    here = VehicleState(now, at(0), now if since is None else since, **state)
    return live_etas(
        here, remaining, travel=travel or LineTravel(), epoch=EPOCH, model=model or EtaModel()
    )


def test_etas_are_monotone_along_the_sequence() -> None:
    """Each quantile of the arrival only grows from one stop to the next."""
    result = etas(stops(12))
    for first, second in itertools.pairwise(result):
        assert first.p10_s <= second.p10_s
        assert first.p50_s <= second.p50_s
        assert first.p90_s <= second.p90_s


def test_the_median_follows_travel_and_planned_service() -> None:
    """With no history or drift, stop k is k legs of 600 s and k - 1 services of 120 s away."""
    result = etas(stops(3))
    for k, eta in enumerate(result):
        expected = 9 * HOUR + 600 * (k + 1) + 120 * k
        assert eta.p50_s == pytest.approx(expected, rel=0.05)


def test_windows_contain_the_median_and_widen_with_the_horizon() -> None:
    """p10 <= p50 <= p90 everywhere, and the window of later stops is wider."""
    result = etas(stops(15))
    widths = [e.p90_s - e.p10_s for e in result]
    assert all(e.p10_s <= e.p50_s <= e.p90_s for e in result)
    assert widths[0] < widths[4] < widths[9] < widths[14]


def test_the_van_waits_for_a_window_opening() -> None:
    """A stop whose window opens after the van would come is served at the opening."""
    opening = 11 * HOUR
    remaining = stops(3)
    remaining[1] = RemainingStop("s1", at(2), (Window(opening, 12 * HOUR),), 120, "addr 1", ONE)
    result = etas(remaining)
    assert result[1].p90_s < opening  # it arrives early ...
    assert result[2].p10_s > opening  # ... so the next stop follows the opening
    assert result[2].p50_s == pytest.approx(opening + 120 + 600, abs=60)
    assert not result[1].late_risk


def test_a_late_van_pushes_every_later_eta() -> None:
    """Leaving the last stop 15 minutes later moves every quantile of every stop later."""
    on_time = etas(stops(8), now=9 * HOUR, since=9 * HOUR)
    late = etas(stops(8), now=9 * HOUR + 900, since=9 * HOUR + 900)
    for a, b in zip(on_time, late, strict=True):
        assert b.p10_s > a.p10_s
        assert b.p50_s >= a.p50_s + 800
        assert b.p90_s > a.p90_s


def test_a_learned_slow_address_delays_the_stops_after_it() -> None:
    """History says addr 0 takes about 10 minutes: the next stop's ETA moves by about 8."""
    slow = [ServiceObservation("addr 0", ONE, 600.0) for _ in range(10)]
    usual = [ServiceObservation(f"other {k}", ONE, 120.0) for k in range(50)]
    model = EtaModel(service=ServiceTimes.learn(slow + usual))
    before = etas(stops(3))
    after = etas(stops(3), model=model)
    assert after[0].p50_s == pytest.approx(before[0].p50_s, abs=30)
    assert after[1].p50_s - before[1].p50_s > 6 * 60


def test_slow_legs_today_make_the_rest_slower() -> None:
    """A drift learned from legs that took 30 % longer stretches the remaining legs."""
    drift = Drift.learn([(600.0, 780.0)] * 12)
    assert drift.bias == pytest.approx(np.log(1.3), rel=0.1)
    plain, drifted = etas(stops(4)), etas(stops(4), model=EtaModel(legs=drift))
    assert drifted[3].p50_s - 9 * HOUR > 1.2 * (plain[3].p50_s - 9 * HOUR)


def test_few_legs_are_shrunk_toward_no_drift() -> None:
    """One slow leg moves the learned bias less than twelve do."""
    assert 0 < Drift.learn([(600.0, 780.0)]).bias < Drift.learn([(600.0, 780.0)] * 12).bias


def test_a_leg_under_way_is_predicted_beyond_its_elapsed_time() -> None:
    """A van 20 minutes into a 10-minute leg has not arrived: every future arrives after now."""
    now = 9 * HOUR + 1200
    result = etas(stops(2), now=now, since=9 * HOUR)
    assert result[0].p10_s > now


def test_a_stop_being_served_keeps_its_arrival() -> None:
    """Serving the first stop since 09:00: its ETA is that arrival; the next comes after now."""
    now = 9 * HOUR + 300
    result = etas(stops(2), now=now, since=9 * HOUR, serving=True)
    assert result[0].p10_s == result[0].p90_s == 9 * HOUR
    assert result[1].p10_s > now


def test_late_risk_is_raised_when_the_p90_passes_the_window_end() -> None:
    """A window closing between the p50 and the p90 already raises the flag."""
    remaining = stops(6)
    free = etas(remaining)[5]
    end = (free.p50_s + free.p90_s) // 2
    remaining[5] = RemainingStop("s5", at(6), (Window(8 * HOUR, end),), 120, "addr 5", ONE)
    flagged = etas(remaining)[5]
    assert flagged.p50_s <= end < flagged.p90_s
    assert flagged.late_risk
    assert 0.1 <= flagged.late_probability < 0.5
    assert not any(e.late_risk for e in etas(remaining)[:5])


def test_the_break_delays_the_stops_after_it() -> None:
    """A 30-minute break after the first stop moves the second stop by 30 minutes."""
    travel, here = LineTravel(), VehicleState(9 * HOUR, at(0), 9 * HOUR)
    model, remaining = EtaModel(), stops(2)
    plain = live_etas(here, remaining, travel=travel, epoch=EPOCH, model=model)
    pause = Pause(after=0, duration_s=1800)
    rested = live_etas(here, remaining, travel=travel, epoch=EPOCH, model=model, pause=pause)
    assert rested[0] == plain[0]
    assert rested[1].p50_s == plain[1].p50_s + 1800


def test_a_break_under_way_is_not_an_overdue_leg() -> None:
    """On a break since 09:00 at 09:20: the next stop is a leg after the break's end (09:30)."""
    here, remaining = VehicleState(9 * HOUR + 1200, at(0), 9 * HOUR), stops(1)
    pause = Pause(after=-1, duration_s=1800, not_before_s=9 * HOUR)
    result = live_etas(
        here, remaining, travel=LineTravel(), epoch=EPOCH, model=EtaModel(), pause=pause
    )
    assert result[0].p50_s == pytest.approx(9 * HOUR + 1800 + 600, abs=60)


def test_one_matrix_call_per_recompute_and_rush_hours_from_the_profile() -> None:
    """One call per recompute; legs driven in the rush hour are scaled by the traffic profile."""
    travel = LineTravel(rush_factor=1.5)
    traffic = measure_traffic(travel, [at(0), at(1), at(2)], midnight=EPOCH)
    assert traffic.factors[16] == pytest.approx(1.5, rel=0.01)
    assert traffic.factors[12] == pytest.approx(1.0)
    travel.calls = 0
    before = etas(stops(30), now=13 * HOUR, travel=travel, model=EtaModel(traffic=traffic))
    flat = etas(stops(30), now=13 * HOUR, travel=travel)
    assert travel.calls == 2
    assert before[-1].p50_s > flat[-1].p50_s + 600  # the legs after 16:00 take longer
    assert before[0].p50_s == flat[0].p50_s


def test_same_inputs_give_the_same_etas() -> None:
    """The same state, stops, model and seed give exactly the same answer."""
    assert etas(stops(10)) == etas(stops(10))
    assert etas(stops(10), model=EtaModel(seed=1)) != etas(stops(10), model=EtaModel(seed=2))


def test_the_plan_only_baseline_is_the_published_arrival() -> None:
    """The baseline answers each remaining stop's planned arrival with a zero-width window."""
    visits = tuple(Visit(f"s{k}", 9 * HOUR + 700 * k, 9 * HOUR + 700 * k, 0, ()) for k in range(3))
    route = Route("v1", visits, 8 * HOUR, 12 * HOUR, 0, 0)
    result = planned_etas(route, stops(3)[1:])
    assert [(e.stop_id, e.p10_s, e.p50_s, e.p90_s) for e in result] == [
        ("s1", 9 * HOUR + 700, 9 * HOUR + 700, 9 * HOUR + 700),
        ("s2", 9 * HOUR + 1400, 9 * HOUR + 1400, 9 * HOUR + 1400),
    ]


def test_a_flat_profile_is_the_default() -> None:
    """Without a measured profile every hour counts as free flow."""
    assert TrafficProfile().factors == (1.0,) * 24
