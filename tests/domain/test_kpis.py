"""KPIs worked by hand on small days: each KPI's numerator and denominator, and its edge cases."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from doorstep.domain import kpis
from doorstep.domain.day_facts import DayFacts, OrderFacts, RouteFacts
from doorstep.domain.exceptions import ExceptionCase, ExceptionType, Resolution
from doorstep.domain.fleet import VehicleCosts
from doorstep.domain.scans import FailReason, ScanEvent, ScanKind

K = ScanKind
DAY = date(2026, 11, 23)
START = datetime(2026, 11, 23, tzinfo=UTC)


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return START + timedelta(days=days, hours=hour, minutes=minute)


def ev(code: str, kind: ScanKind, when: datetime, n: int = 0, **extra: object) -> ScanEvent:
    return ScanEvent(
        f"e-{code}-{kind.value}-{n}", "org", kind, code, when, when, "u",
        lane="L1" if kind is K.SORT else "", vehicle_id="v1" if kind is K.LOAD else "",
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def prepared(code: str, days: int = 0) -> list[ScanEvent]:
    """Received, sorted, loaded and departed at 06:00-06:30 (``days`` after the day)."""
    kinds = (K.RECEIVE, K.SORT, K.LOAD, K.DEPART)
    return [ev(code, k, at(6, 10 * i, days), days) for i, k in enumerate(kinds)]


def delivered(code: str, hour: int, minute: int = 0) -> list[ScanEvent]:
    return [*prepared(code), ev(code, K.DELIVER, at(hour, minute))]


def failed(
    code: str, hour: int, reason: FailReason = FailReason.RECIPIENT_ABSENT
) -> list[ScanEvent]:
    return [*prepared(code), ev(code, K.FAIL, at(hour), reason=reason)]


def route(*stops: str, **extra: object) -> RouteFacts:
    """Planned 08:00-12:00, 40 km; departed 08:00, ended 12:00 unless told otherwise."""
    fields: dict[str, object] = {
        "vehicle_id": "v1", "stop_ids": stops, "planned_start": at(8), "planned_end": at(12),
        "planned_distance_m": 40_000, "departed_at": at(8), "ended_at": at(12),
    } | extra  # fmt: skip
    return RouteFacts(**fields)  # type: ignore[arg-type]


def facts(
    events: list[ScanEvent], *routes: RouteFacts, windows: dict[str, tuple[int, int]] | None = None
) -> DayFacts:
    """One order per stop, one parcel each with the barcode ``P-<order>``; windows in hours."""
    stops = [s for r in routes for s in r.stop_ids]
    spans = windows or {}
    orders = {
        s: OrderFacts(s, (f"P-{s}",), tuple((at(a), at(b)) for a, b in [spans[s]] if s in spans))
        if s in spans
        else OrderFacts(s, (f"P-{s}",), service_date=DAY)
        for s in stops
    }
    return DayFacts(DAY, START, START + timedelta(days=1), routes, orders, tuple(events))


def test_on_time_counts_deliveries_inside_a_window() -> None:
    """3 delivered (a at 09:00 in 08-10, b at 11:00 outside 08-10, c without a window), 1
    failed: on time 2/3; the failure is not in the denominator."""
    events = delivered("P-a", 9) + delivered("P-b", 11) + delivered("P-c", 10) + failed("P-d", 9)
    day = facts(events, route("a", "b", "c", "d"), windows={"a": (8, 10), "b": (8, 10)})
    found = kpis.on_time(day, kpis.outcomes(day))
    assert (found.numerator, found.denominator) == (2, 3)
    assert str(found) == "2/3"


def test_no_deliveries_leave_rates_undefined_not_zero() -> None:
    """Nothing scanned: 0/0 everywhere is n/a (None), never a division error."""
    day = facts([], route("a", "b"))
    card = kpis.scorecard(day)
    assert card.on_time.value is None
    assert card.first_attempt.value is None
    assert card.scan_compliance.value is None
    assert card.road.cost_per_stop.value is None
    assert card.road.sequence.value is None
    assert card.failure_reasons == []


def test_all_failed_gives_zero_rates_and_ranks_the_reasons() -> None:
    """3 attempts, all failed (absent twice, refused once): first attempt 0/3, on time
    undefined (0 delivered); reasons absent 2/3, then refused 1/3."""
    refused = FailReason.REFUSED
    events = failed("P-a", 9) + failed("P-b", 10) + failed("P-c", 11, refused)
    day = facts(events, route("a", "b", "c"))
    card = kpis.scorecard(day)
    assert str(card.first_attempt) == "0/3"
    assert card.first_attempt.value == 0
    assert card.on_time.value is None
    assert [(r, str(x)) for r, x in card.failure_reasons] == [
        ("recipient_absent", "2/3"),
        ("refused", "1/3"),
    ]


def test_first_attempt_needs_no_failure_before_on_any_day() -> None:
    """a delivered at once; b failed at 09:00 then delivered at 11:00; c failed yesterday,
    brought back and delivered today: 1 of 3 attempted orders at the first attempt."""
    c_before = [
        *prepared("P-c", -1),
        ev("P-c", K.FAIL, at(15, days=-1), reason=FailReason.NO_ACCESS),
    ]
    c_today = [
        ev("P-c", K.RECEIVE, at(18, days=-1), 1), ev("P-c", K.SORT, at(6, 5), 1),
        ev("P-c", K.LOAD, at(6, 15), 1), ev("P-c", K.DEPART, at(6, 35), 1),
        ev("P-c", K.DELIVER, at(10)),
    ]  # fmt: skip
    b = [*failed("P-b", 9), ev("P-b", K.DELIVER, at(11))]
    day = facts(delivered("P-a", 9) + b + c_before + c_today, route("a", "b", "c"))
    found = kpis.first_attempt(day, kpis.outcomes(day))
    assert str(found) == "1/3"


def test_scan_compliance_and_the_share_of_problem_events() -> None:
    """a has the whole sequence; b was never sort-scanned, so its load (and everything
    after) cannot apply: compliance 1/2; problem events 3 of 9 (b's load, depart, delivery)."""
    b = [e for e in delivered("P-b", 10) if e.kind is not K.SORT]
    day = facts(delivered("P-a", 9) + b, route("a", "b"))
    compliance, problems = kpis.scan_compliance(kpis.outcomes(day))
    assert str(compliance) == "1/2"
    assert str(problems) == "3/9"


def test_events_out_of_order_give_the_same_scorecard() -> None:
    """The same events shuffled and sent twice: every KPI is unchanged."""
    events = delivered("P-a", 9) + failed("P-b", 10) + delivered("P-c", 11, 30)
    events += [ev("P-b", K.DELIVER, at(11))]
    day = facts(events, route("a", "b", "c"), windows={"a": (8, 10)})
    shuffled = events * 2
    random.Random(7).shuffle(shuffled)
    assert kpis.scorecard(replace(day, events=tuple(shuffled))) == kpis.scorecard(day)


def test_load_and_shift_use() -> None:
    """Peak 80 of 100 kg and 6 of 10 parcels; on the road 08:00-12:00 = 4 h of an 8 h shift:
    weight 80/100, parcels 6/10, shift 14400/28800."""
    r = route("a", capacity=(100, 10), peak_load=(80, 6), shift_s=8 * 3600)
    day = replace(facts([], r), dimensions=("weight_kg", "parcels"))
    assert {k: str(v) for k, v in kpis.load_use(day).items()} == {
        "weight_kg": "80/100",
        "parcels": "6/10",
    }
    assert kpis.shift_use(day).value == 0.5


def test_road_kpis_per_stop() -> None:
    """4 stops done 08:00-12:00 (4 h): 1 stop/h. Planned 40 km / 4 stops = 10,000 m per stop;
    GPS 48 km / 4 = 12,000 m. Cost 50 fixed + 0.5/km x 48 km + 20/h x 4 h = 154 -> 38.5 per
    stop. CO2 200 g/km x 48 km = 9,600 g -> 2,400 g per stop. Actual 4 h / planned 4 h."""
    costs = VehicleCosts(per_km=0.5, per_hour=20.0, fixed_per_use=50.0)
    r = route("a", "b", "c", "d", costs=costs, gps_distance_m=48_000.0)
    events = [
        e for s, h in zip("abcd", (9, 10, 11, 11), strict=True) for e in delivered(f"P-{s}", h)
    ]
    found = kpis.road(facts(events, r), kpis.outcomes(facts(events, r)))
    assert found.stops_per_hour.value == 1.0
    assert found.planned_m_per_stop.value == 10_000
    assert found.gps_m_per_stop is not None
    assert found.gps_m_per_stop.value == 12_000
    assert found.cost_per_stop.value == 38.5
    assert found.co2_g_per_stop.value == 2_400
    assert found.actual_vs_planned_s.value == 1.0


def test_without_gps_the_actual_distance_is_unknown() -> None:
    """No breadcrumbs: GPS distance per stop and planned-vs-GPS are None, not guessed; a
    cargo bike emits 0 g per stop on its planned distance."""
    r = route("a", vehicle_kind="cargo_bike")
    day = facts(delivered("P-a", 9), r)
    found = kpis.road(day, kpis.outcomes(day))
    assert found.gps_m_per_stop is None
    assert found.gps_vs_planned_m is None
    assert str(found.co2_g_per_stop) == "0/1"


def test_stops_per_hour_before_the_route_ends_runs_to_the_last_stop_done() -> None:
    """Departed 08:00, not ended, 3 stops done by 11:00 (3 h): 3 stops / 3 h = 1.0."""
    r = route("a", "b", "c", ended_at=None)
    events = delivered("P-a", 9) + delivered("P-b", 10) + failed("P-c", 11)
    day = facts(events, r)
    assert kpis.road(day, kpis.outcomes(day)).stops_per_hour.value == 1.0


def test_sequence_adherence_counts_pairs_kept_in_planned_order() -> None:
    """Planned a, b, c; done a, c, b: pairs (a,c) and (a,b) keep the order, (c,b) does not:
    2/3 (Kendall tau 1/3)."""
    events = delivered("P-a", 9) + delivered("P-c", 10) + delivered("P-b", 11)
    day = facts(events, route("a", "b", "c"))
    assert str(kpis.road(day, kpis.outcomes(day)).sequence) == "2/3"


def test_cases_by_type_and_median_time_to_resolve() -> None:
    """Three cases opened on the day, resolved after 10 and 30 minutes and one still open:
    median 20 minutes; a case opened the day before is not counted."""

    def case(n: int, kind: ExceptionType, opened: datetime) -> ExceptionCase:
        return ExceptionCase.open(f"c{n}", "org", kind, f"k{n}", "s", opened, order_id="a")

    found = [
        case(1, ExceptionType.MIS_SORT, at(7)).resolved(Resolution.FIXED, at(7, 10), "u"),
        case(2, ExceptionType.MIS_SORT, at(7)).resolved(Resolution.FIXED, at(7, 30), "u"),
        case(3, ExceptionType.FAILED_ATTEMPT, at(9)),
        case(4, ExceptionType.DAMAGED, at(9, days=-1)),
    ]
    day = replace(facts([], route("a")), cases=tuple(found))
    result = kpis.cases(day)
    assert result.opened == {ExceptionType.MIS_SORT: 2, ExceptionType.FAILED_ATTEMPT: 1}
    assert result.median_to_resolve == timedelta(minutes=20)
    assert result.still_open == ("c3",)


def test_the_day_splits_into_routes_and_drivers() -> None:
    """Two routes, one driver each: the day's on-time 1/2 is the sum of 1/1 and 0/1."""
    r1 = route("a", driver_id="d1")
    r2 = route("b", vehicle_id="v2", driver_id="d2")
    events = delivered("P-a", 9) + delivered("P-b", 11)
    found = kpis.day_kpis(facts(events, r1, r2, windows={"a": (8, 10), "b": (8, 10)}))
    assert str(found.day.on_time) == "1/2"
    assert {v: str(c.on_time) for v, c in found.routes.items()} == {"v1": "1/1", "v2": "0/1"}
    assert {d: str(c.on_time) for d, c in found.drivers.items()} == {"d1": "1/1", "d2": "0/1"}
