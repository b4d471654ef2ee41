"""The dispatch board covers the station's partner deliveries, and the watch opens a late-risk
case for each overdue one: hand-offs booked with a real partner on loopback (HTTP), its
events applied as the webhook would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from doorstep.adapters.carriers.generic_partner_http import GenericPartnerGateway
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.dispatch import DayProgress
from doorstep.domain.errors import NotFound
from doorstep.domain.exceptions import CaseStatus, ExceptionCase, ExceptionType, Resolution
from doorstep.domain.handoffs import (
    CarrierConnection,
    Handoff,
    HandoffStatus,
    PartnerStatus,
    TrackingEvent,
)
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.domain.partner_progress import CarrierTotals, Stage
from doorstep.domain.scans import ScanKind
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.stations import Station
from doorstep.domain.webhooks import new_secret
from doorstep.services import dispatch, exceptions, stations
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from doorstep.services.ports import CarrierGateway
from doorstep.services.scans import IncomingScan
from tests.services.carriers.test_handoff import ready_order
from tests.services.carriers.test_registry import import_samples
from tests.services.conftest import Ports, station_fields
from tests.services.planning.test_runs import DAY
from tests.services.test_eta import out
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published, send
from tests.support.partner import API_KEY, Partner, partner_server

__all__ = ["day", "station"]  # fixtures, used by name

CARRIER = "kaupunkikuriiri"


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def partner() -> Iterator[Partner]:
    with partner_server() as running:
        yield running


@pytest.fixture
def hports(ports: Ports, admin: Principal, station: Station, partner: Partner) -> Iterator[
    handoff.HandoffPorts
]:  # fmt: skip
    """Hand-off ports whose gateway is the generic partner's HTTP adapter on loopback."""
    made: list[GenericPartnerGateway] = []

    def gateways(carrier_code: str, connection: CarrierConnection) -> CarrierGateway:
        made.append(GenericPartnerGateway(carrier_code, connection.base_url, connection.api_key))
        return made[-1]

    import_samples(ports, admin)
    handoff.connect(
        admin, CARRIER, base_url=partner.url, api_key=API_KEY,
        webhook_secret=new_secret(b"p" * 32), uow=ports.uow, clock=ports.clock,
    )  # fmt: skip
    yield handoff.HandoffPorts(ports.uow, ports.clock, ports.ids, gateways)
    for gateway in made:
        gateway.close()


def handed(ports: Ports, admin: Principal, hports: handoff.HandoffPorts, ref: str, **changes: object) -> Handoff:  # fmt: skip  # noqa: E501
    ready_order(ports, admin, ref, **changes)
    return handoff.hand_off(admin, ref, CARRIER, ServiceLevel.SAME_DAY, ports=hports)


def events(
    admin: Principal, hports: handoff.HandoffPorts, made: Handoff, *steps: tuple[str, datetime]
) -> None:
    """The partner's events, each with an id of its own (status and time: numbering them
    from 0 on each call would reuse ids, which the scans refuse as conflicts)."""
    found = [
        TrackingEvent(
            f"{made.booking_id}-{status}-{at:%H%M%S}", made.booking_id, PartnerStatus(status),
            at, reason="not_home" if status == "failed" else "",
        )
        for status, at in steps
    ]  # fmt: skip
    report = handoff.apply_events(admin, made.carrier_id, found, ports=hports)
    assert report.unknown_bookings == []
    assert report.scans.get("conflict", 0) == 0, report.scans


def late_risks(ports: Ports, admin: Principal) -> list[tuple[str | None, str]]:
    cases = exceptions.list_cases(admin, uow=ports.uow).cases
    return sorted((c.order_id, c.summary) for c in cases if c.type is ExceptionType.LATE_RISK)


def test_the_board_lists_the_days_partner_deliveries_and_the_watch_opens_each_overdue_once(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    """Windows 08:00-12:00 UTC (10:00-14:00 in Helsinki). At 13:00 UTC: PX-1 is out for
    delivery past its window (overdue); PX-2 has no window and is due at local midnight
    (22:00 UTC: not overdue); PX-3 failed (settled, not overdue). PX-4's hand-off was
    cancelled and PX-5 belongs to another station: neither shows."""
    published(ports, admin)
    window = (TimeWindow(utc(8), utc(12)),)
    px1 = handed(ports, admin, hports, "PX-1", time_windows=window)
    px2 = handed(ports, admin, hports, "PX-2")
    px3 = handed(ports, admin, hports, "PX-3", time_windows=window)
    px4 = handed(ports, admin, hports, "PX-4", time_windows=window)
    handoff.cancel(admin, px4.id, ports=hports)
    stations.add_station(admin, station_fields("HEL2"), uow=ports.uow, ids=ports.ids)
    handed(ports, admin, hports, "PX-5", station_id="HEL2", time_windows=window)
    events(admin, hports, px1, ("picked_up", utc(7)), ("out_for_delivery", utc(9, 30)))
    events(admin, hports, px3, ("picked_up", utc(7)), ("failed", utc(10, 15)))

    ports.clock.current = utc(13)
    board = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert len(board.routes) == 1  # the own fleet's route is still there
    seen = [
        (
            d.facts.reference, d.facts.recipient, d.facts.carrier_name, d.facts.tracking_number,
            d.facts.handoff_status, d.facts.order_status, d.stage, d.due_at, d.overdue,
            d.facts.last_event_at,
        )
        for d in board.partners
    ]  # fmt: skip
    assert seen == [
        ("PX-1", "Ann", "Kaupunkikuriiri", px1.tracking_number, HandoffStatus.IN_PROGRESS,
         OrderStatus.OUT_FOR_DELIVERY, Stage.IN_PROGRESS, utc(12), True, utc(9, 30)),
        ("PX-2", "Ann", "Kaupunkikuriiri", px2.tracking_number, HandoffStatus.BOOKED,
         OrderStatus.HANDED_OFF, Stage.BOOKED, utc(22), False, None),
        ("PX-3", "Ann", "Kaupunkikuriiri", px3.tracking_number, HandoffStatus.IN_PROGRESS,
         OrderStatus.FAILED_ATTEMPT, Stage.FAILED, utc(12), False, utc(10, 15)),
    ]  # fmt: skip
    assert (board.partners[0].facts.window_start, board.partners[1].facts.window_end) == (
        utc(8),
        None,
    )
    assert board.partner_totals == (
        CarrierTotals(CARRIER, "Kaupunkikuriiri", booked=1, in_progress=1, failed=1, overdue=1),
    )

    for _ in range(2):  # run twice: one case, not two
        dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    # The failed attempt opened its own failed-attempt case; only PX-1 is late.
    assert late_risks(ports, admin) == [
        (
            px1.order_id,
            "Kaupunkikuriiri has not delivered it by 14:00, the end of its window "
            f"(tracking number {px1.tracking_number})",
        )
    ]

    # PX-1 delivered late; after local midnight PX-2, never picked up, is overdue too.
    events(admin, hports, px1, ("delivered", utc(13, 30)))
    ports.clock.current = utc(22, 1)
    after = dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    # Overdue first; the settled ones (both due at 12:00) after it.
    first = after.partners[0]
    assert (first.facts.reference, first.stage, first.overdue) == ("PX-2", Stage.BOOKED, True)
    assert {d.facts.reference: d.stage for d in after.partners[1:]} == {
        "PX-1": Stage.DELIVERED,
        "PX-3": Stage.FAILED,
    }
    assert after.partner_totals == (
        CarrierTotals(CARRIER, "Kaupunkikuriiri", booked=1, delivered=1, failed=1, overdue=1),
    )
    assert dict(late_risks(ports, admin))[px2.order_id] == (
        f"Kaupunkikuriiri has not delivered it by the end of 23.11. "
        f"(tracking number {px2.tracking_number})"
    )
    # PX-1's case was cleared by that watch: PX-2's is the only one open.
    assert len(late_risks(ports, admin)) == 1


def test_a_day_without_a_published_plan_has_a_board_of_its_partner_deliveries(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    with pytest.raises(NotFound, match="published plan"):
        dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    made = handed(ports, admin, hports, "PX-1", time_windows=(TimeWindow(utc(8), utc(12)),))
    ports.clock.current = utc(12, 30)
    board = dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert (board.version, board.routes) == (None, ())
    assert [(d.order_id, d.stage, d.overdue) for d in board.partners] == [
        (made.order_id, Stage.BOOKED, True)
    ]
    assert [o for o, _ in late_risks(ports, admin)] == [made.order_id]


def late_risk_case(ports: Ports, admin: Principal, order_id: str) -> ExceptionCase:
    key = f"late_risk:{order_id}:{DAY.isoformat()}"
    with ports.uow:
        return ports.uow.exceptions.by_keys(admin.organisation_id, [key])[key]


def test_the_watch_clears_an_overdue_partner_deliverys_case_once_the_partner_settles_it(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    """Windows 08:00-12:00 UTC. At 12:30 UTC PX-1 (out for delivery) and PX-2 (booked) are
    overdue: two cases. PX-1 is delivered at 13:12 UTC (15:12 in Helsinki): the next watch
    clears its case, as doorstep, with a note; later watches leave it as it is."""
    published(ports, admin)
    window = (TimeWindow(utc(8), utc(12)),)
    px1 = handed(ports, admin, hports, "PX-1", time_windows=window)
    px2 = handed(ports, admin, hports, "PX-2", time_windows=window)
    events(admin, hports, px1, ("picked_up", utc(7)), ("out_for_delivery", utc(9, 30)))
    ports.clock.current = utc(12, 30)
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert [o for o, _ in late_risks(ports, admin)] == sorted([px1.order_id, px2.order_id])

    events(admin, hports, px1, ("delivered", utc(13, 12)))
    # Until the next watch the case stays open: the watch is what clears it.
    assert late_risk_case(ports, admin, px1.order_id).status is CaseStatus.OPEN
    ports.clock.current = utc(13, 20)
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    cleared = late_risk_case(ports, admin, px1.order_id)
    assert (
        cleared.status, cleared.resolution, cleared.resolved_by, cleared.resolved_at,
        cleared.note,
    ) == (
        CaseStatus.RESOLVED, Resolution.CLEARED, "doorstep", utc(13, 20),
        "Kaupunkikuriiri delivered it at 15:12",
    )  # fmt: skip
    # PX-2 is still overdue: its case stays open.
    assert [o for o, _ in late_risks(ports, admin)] == [px2.order_id]

    ports.clock.current = utc(13, 40)  # once: a later watch neither re-opens nor re-resolves
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert late_risk_case(ports, admin, px1.order_id) == cleared
    assert [o for o, _ in late_risks(ports, admin)] == [px2.order_id]


def test_a_failed_partner_attempt_clears_the_late_risk_but_a_persons_resolution_stands(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    """PX-1 and PX-2 are overdue at 12:30 UTC. A dispatcher resolves PX-2's case as fixed;
    then PX-1's attempt fails at 12:45 UTC (14:45 in Helsinki) and PX-2 is delivered. The
    next watch clears PX-1's late risk (the failed attempt has its own case) and leaves
    PX-2's resolution as the person left it."""
    window = (TimeWindow(utc(8), utc(12)),)
    px1 = handed(ports, admin, hports, "PX-1", time_windows=window)
    px2 = handed(ports, admin, hports, "PX-2", time_windows=window)
    ports.clock.current = utc(12, 30)
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    by_person = exceptions.resolve(
        admin, late_risk_case(ports, admin, px2.order_id).id, Resolution.FIXED,
        note="called the courier", uow=ports.uow, clock=ports.clock,
    )  # fmt: skip
    events(admin, hports, px1, ("picked_up", utc(7)), ("failed", utc(12, 45)))
    events(admin, hports, px2, ("picked_up", utc(7)), ("delivered", utc(12, 50)))
    ports.clock.current = utc(13)
    dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)

    failed = late_risk_case(ports, admin, px1.order_id)
    assert (failed.status, failed.resolution, failed.note) == (
        CaseStatus.RESOLVED, Resolution.CLEARED, "Kaupunkikuriiri failed to deliver it at 14:45",
    )  # fmt: skip
    assert late_risk_case(ports, admin, px2.order_id) == by_person
    assert (by_person.resolution, by_person.resolved_by, by_person.note) == (
        Resolution.FIXED, admin.actor_id, "called the courier",
    )  # fmt: skip
    open_types = {c.type for c in exceptions.list_cases(admin, uow=ports.uow).cases}
    assert open_types == {ExceptionType.FAILED_ATTEMPT}


def said(
    admin: Principal, hports: handoff.HandoffPorts, made: Handoff, event_id: str, status: str,
    at: datetime,
) -> None:  # fmt: skip
    """One partner event with its own id (the same id again is the partner resending it)."""
    event = TrackingEvent(
        f"{made.booking_id}-{event_id}", made.booking_id, PartnerStatus(status), at,
        reason="not_home" if status == "failed" else "",
    )  # fmt: skip
    report = handoff.apply_events(admin, made.carrier_id, [event], ports=hports)
    assert report.unknown_bookings == []


def test_the_boards_day_progress_counts_van_stops_and_partner_orders(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    """Van 1 has three stops, two delivered: 2/3. With partners: PX-1 delivered (its
    delivered event sent twice), PX-2 failed, PX-3 booked, PX-5 returned and handed off again
    (booked: one order, open), PX-6 in transit; PX-4's hand-off was cancelled (left out).
    Partners 2/5 (PX-1, PX-2), though the carrier's counts show six hand-offs. The day:
    3 + 5 = 8 orders, 2 + 2 = 4 done."""
    published(ports, admin)
    codes = out(ports, admin)
    for n, code in enumerate(codes[:2]):
        send(ports, admin, IncomingScan(f"deliver-{n}", ScanKind.DELIVER, code, utc(7, n)))
    made = {ref: handed(ports, admin, hports, ref) for ref in ("PX-1", "PX-2", "PX-3", "PX-4")}
    handoff.cancel(admin, made["PX-4"].id, ports=hports)
    made["PX-5"] = handed(ports, admin, hports, "PX-5")
    made["PX-6"] = handed(ports, admin, hports, "PX-6")
    said(admin, hports, made["PX-1"], "a", "picked_up", utc(8))
    for _ in range(2):  # the partner resends its delivered event
        said(admin, hports, made["PX-1"], "b", "delivered", utc(9))
    said(admin, hports, made["PX-2"], "a", "picked_up", utc(8))
    said(admin, hports, made["PX-2"], "b", "failed", utc(9, 30))
    said(admin, hports, made["PX-5"], "a", "picked_up", utc(8))
    said(admin, hports, made["PX-5"], "b", "returned", utc(10))
    ports.clock.current = utc(11)
    again = handoff.hand_off(admin, "PX-5", CARRIER, ServiceLevel.SAME_DAY, ports=hports)
    said(admin, hports, made["PX-6"], "a", "in_transit", utc(8))

    ports.clock.current = utc(12)
    board = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    (route,) = board.routes
    assert (route.stops_done, route.stops_total) == (2, 3)
    assert [t.total for t in board.partner_totals] == [6]  # hand-offs, PX-5's two among them
    assert {d.facts.handoff_id for d in board.partners} >= {made["PX-5"].id, again.id}
    assert board.day == DayProgress(
        stops_total=3, stops_done=2, partners_total=5, partners_done=2, total=8, done=4
    )
    # The watch answers the same board.
    watched = dispatch.watch(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert watched.day == board.day


def test_a_day_of_partner_deliveries_alone_counts_them(
    ports: Ports, admin: Principal, day: list[Order], hports: handoff.HandoffPorts
) -> None:
    """No published plan: no van stops; PX-1 delivered, PX-2 booked: 1/2 all told."""
    px1 = handed(ports, admin, hports, "PX-1")
    handed(ports, admin, hports, "PX-2")
    said(admin, hports, px1, "a", "delivered", utc(9))
    ports.clock.current = utc(12)
    board = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert board.day == DayProgress(0, 0, 2, 1, 2, 1)
