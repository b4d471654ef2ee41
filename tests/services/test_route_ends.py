"""Ending a route: after its departure, once, with a post-trip inspection; what is left on board
opens missed-scan cases until scanned back in, and an unsafe defect grounds the van."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.dispatch import RouteState
from doorstep.domain.errors import Conflict
from doorstep.domain.exceptions import CaseStatus, ExceptionType, Resolution
from doorstep.domain.inspections import InspectionKind
from doorstep.domain.orders import Order
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.services import dispatch, exceptions, inspections, loadout, reconciliation, sorting
from doorstep.services.authorization import Principal
from doorstep.services.route_ends import RouteEnded, end_route
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_inspections import all_ok, inspected
from tests.services.test_loadout import day, load, station
from tests.services.test_sorting import published, scan, send

__all__ = ["day", "station"]  # fixtures, used by name

K = ScanKind


def departed(ports: Ports, admin: Principal) -> list[str]:
    """Van 1 leaves with its three parcels; their barcodes in stop order."""
    published(ports, admin)
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    codes = [line.assignment.barcode for line in lines]
    load(ports, admin, codes, lines[0].assignment.vehicle_id)
    inspected(ports, admin)
    ports.clock.advance(timedelta(hours=1))
    loadout.depart(admin, "HEL1", DAY, "Van 1", uow=ports.uow, clock=ports.clock, ids=ports.ids)
    return codes


def end(ports: Ports, admin: Principal, **broken: tuple[str, bool]) -> RouteEnded:
    ports.clock.advance(timedelta(hours=6))
    return end_route(
        admin, "Van 1", DAY, all_ok(**broken), odometer_km=48211,
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip


def missed(ports: Ports, admin: Principal) -> dict[str, CaseStatus]:
    cases = exceptions.list_cases(admin, status=None, type=ExceptionType.MISSED_SCAN, uow=ports.uow)
    return {c.barcode: c.status for c in cases.cases}


def test_a_route_ends_only_after_it_departed(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Before the departure there is no route to end, and nothing is recorded."""
    published(ports, admin)
    with pytest.raises(Conflict, match="Van 1 has not departed on 2026-11-23"):
        end(ports, admin)
    assert ports.uow.tables.inspections == {}
    assert ports.uow.tables.route_ends == {}


def test_what_is_still_on_board_is_listed_and_opens_a_missed_scan_case_until_scanned_in(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """Of three parcels one is delivered and one failed and scanned back in: the third is
    still on board. Its case is the one closing the day names; scanning it in clears it."""
    codes = departed(ports, admin)
    send(ports, admin, scan(100, K.DELIVER, codes[0]),
         scan(101, K.FAIL, codes[1], reason=FailReason.RECIPIENT_ABSENT),
         scan(102, K.RECEIVE, codes[1]))  # fmt: skip
    ended = end(ports, admin)
    assert ended.end.on_board == (codes[2],)
    assert ended.end.odometer_km == 48211
    assert ended.inspection.kind is InspectionKind.POST_TRIP
    assert missed(ports, admin) == {codes[2]: CaseStatus.OPEN}
    reconciliation.close_day(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert len(missed(ports, admin)) == 1  # the day's close names the same case
    # Never attempted: the driver marks it out of time, then the station scans it in.
    late = scan(200, K.FAIL, codes[2], reason=FailReason.OUT_OF_TIME)
    send(ports, admin, late, scan(201, K.RECEIVE, codes[2]))
    (case,) = exceptions.list_cases(
        admin, status=None, type=ExceptionType.MISSED_SCAN, uow=ports.uow
    ).cases
    assert (case.status, case.resolution) == (CaseStatus.RESOLVED, Resolution.CLEARED)


def test_ending_twice_gives_the_same_end_and_records_nothing_more(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """A retried end (the app lost the answer) returns the first, even with other answers."""
    departed(ports, admin)
    first = end(ports, admin)
    again = end(ports, admin, brakes=("grinding", True))
    assert again == first
    assert len(ports.uow.tables.route_ends) == 1
    assert len(ports.uow.tables.inspections) == 2  # the pre-trip and the one post-trip
    assert ports.uow.tables.maintenance_records == {}


def test_the_board_shows_an_ended_route_as_finished_with_its_end_time(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """No stop was served, yet the ended route is finished and none of its stops at risk."""
    departed(ports, admin)
    before = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert [r.state for r in before.routes] == [RouteState.ON_ROAD]
    ended = end(ports, admin)
    (route,) = dispatch.board(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock).routes
    assert (route.state, route.ended_at) == (RouteState.FINISHED, ended.end.ended_at)
    assert (route.stops_done, route.at_risk, route.dwelling) == (0, (), ())


def test_an_unsafe_post_trip_defect_grounds_the_van_for_its_next_departure(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The next day's pre-trip inspection passes, yet the van stays out of service."""
    departed(ports, admin)
    ended = end(ports, admin, brakes=("grinding at low speed", True))
    record = ports.uow.tables.maintenance_records[str(ended.end.maintenance_id)]
    assert record.defects == ("brakes: grinding at low speed",)
    assert record.inspection_id == ended.inspection.id
    inspections.inspect(
        admin, "Van 1", DAY + timedelta(days=1), InspectionKind.PRE_TRIP, all_ok(),
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip
    with ports.uow:
        vehicle = ports.uow.vehicles.get_by_name(admin.organisation_id, "Van 1")
        assert vehicle is not None
        with pytest.raises(Conflict, match=r"out of service \(brakes: grinding at low speed\)"):
            inspections.check_ready(ports.uow, admin.organisation_id, vehicle, DAY)


def test_without_a_checklist_the_end_takes_the_post_trip_inspection_made_since_departure(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    """The morning's pre-trip inspection is no post-trip one; one made after the route is."""
    departed(ports, admin)

    def ended() -> RouteEnded:
        return end_route(admin, "Van 1", DAY, uow=ports.uow, clock=ports.clock, ids=ports.ids)

    with pytest.raises(Conflict, match="no post-trip inspection since it departed"):
        ended()
    ports.clock.advance(timedelta(hours=5))
    done, record = inspections.inspect(
        admin, "Van 1", DAY, InspectionKind.POST_TRIP, all_ok(tyres=("flat", True)),
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip
    found = ended()
    assert found.inspection == done
    assert record is not None
    assert found.end.maintenance_id == record.id
