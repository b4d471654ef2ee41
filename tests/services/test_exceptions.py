"""Exception cases: opened once per trouble, cleared by a later scan, owned and resolved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from doorstep.domain.errors import InvalidTransition, InvalidValue, NotFound
from doorstep.domain.exceptions import CaseStatus, ExceptionType, Resolution
from doorstep.domain.orders import Order
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.services import exceptions, loadout, reconciliation, sorting
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY
from tests.services.test_inspections import inspected
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published, scan, send

__all__ = ["day", "station"]  # fixtures, used by name
K = ScanKind


def queue(ports: Ports, admin: Principal, **filters: object) -> list[tuple[ExceptionType, str]]:
    page = exceptions.list_cases(admin, uow=ports.uow, **filters)  # type: ignore[arg-type]
    return [(c.type, c.barcode) for c in page.cases]


def test_a_mis_sort_opens_one_case_and_the_right_sort_clears_it(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    line = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines[0]
    code, lane = line.assignment.barcode, line.assignment.lane
    batch = [scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane="L99")]
    send(ports, admin, *batch)
    send(ports, admin, *batch)  # a retry opens nothing more
    assert queue(ports, admin) == [(ExceptionType.MIS_SORT, code)]
    (case,) = exceptions.list_cases(admin, uow=ports.uow).cases
    assert case.due_at == case.opened_at + timedelta(minutes=15)
    send(ports, admin, scan(2, K.SORT, code, lane=lane))
    assert queue(ports, admin) == []
    (cleared,) = exceptions.list_cases(admin, status=CaseStatus.RESOLVED, uow=ports.uow).cases
    assert (cleared.resolution, cleared.resolved_by) == (Resolution.CLEARED, "doorstep")


def test_a_scan_out_of_sequence_clears_when_the_missing_scan_arrives(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    code = day[0].parcels[0].barcode
    send(ports, admin, scan(0, K.RECEIVE, code), scan(5, K.LOAD, code, vehicle_id="veh_1"))
    assert queue(ports, admin) == [(ExceptionType.SCAN_OUT_OF_SEQUENCE, code)]
    send(ports, admin, scan(2, K.SORT, code, lane="L01"))  # late: it happened before the load
    assert queue(ports, admin) == []


def test_failed_attempts_open_cases_that_closing_the_day_settles(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    code = day[0].parcels[0].barcode
    steps = [(K.RECEIVE, {}), (K.SORT, {"lane": "L01"}), (K.LOAD, {"vehicle_id": "veh_1"}),
             (K.DEPART, {}), (K.FAIL, {"reason": FailReason.REFUSED}), (K.RECEIVE, {})]  # fmt: skip
    send(ports, admin, *(scan(n, kind, code, **extra) for n, (kind, extra) in enumerate(steps)))
    (case,) = exceptions.list_cases(admin, uow=ports.uow).cases
    assert (case.type, case.summary) == (ExceptionType.FAILED_ATTEMPT, "failed attempt (refused)")
    reconciliation.close_day(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert queue(ports, admin) == []
    (done,) = exceptions.list_cases(admin, status=CaseStatus.RESOLVED, uow=ports.uow).cases
    assert done.resolution is Resolution.RESCHEDULED


def test_parcels_left_behind_and_never_scanned_back_open_cases(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    lines = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines
    first, rest = lines[0].assignment, [line.assignment for line in lines[1:]]
    code = first.barcode
    send(ports, admin, scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=first.lane),
         scan(2, K.LOAD, code, vehicle_id=first.vehicle_id))  # fmt: skip
    ports.clock.advance(timedelta(hours=1))
    inspected(ports, admin)
    loadout.depart(
        admin, "HEL1", DAY, "Van 1", override_reason="not at the station yet",
        uow=ports.uow, clock=ports.clock, ids=ports.ids,
    )  # fmt: skip
    assert sorted(queue(ports, admin)) == sorted(
        (ExceptionType.MISSING_PARCEL, a.barcode) for a in rest
    )
    reconciliation.close_day(admin, "HEL1", DAY, uow=ports.uow, clock=ports.clock)
    assert (ExceptionType.MISSED_SCAN, code) in queue(ports, admin)


def test_people_take_and_resolve_cases_with_a_code(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    send(ports, admin, scan(0, K.RECEIVE, "NOT-OURS"))
    (case,) = exceptions.list_cases(admin, uow=ports.uow).cases
    assert case.type is ExceptionType.UNKNOWN_BARCODE
    taken = exceptions.assign(admin, case.id, admin.actor_id, uow=ports.uow)
    assert taken.owner_id == admin.actor_id
    with pytest.raises(NotFound):
        exceptions.assign(admin, case.id, "usr_nobody", uow=ports.uow)
    with pytest.raises(InvalidValue, match="'cleared' is set by doorstep"):
        exceptions.resolve(admin, case.id, Resolution.CLEARED, uow=ports.uow, clock=ports.clock)
    done = exceptions.resolve(
        admin, case.id, Resolution.FOUND, note="label reprinted", uow=ports.uow, clock=ports.clock
    )
    assert (done.status, done.resolved_by, done.note) == (
        CaseStatus.RESOLVED, admin.actor_id, "label reprinted",
    )  # fmt: skip
    with pytest.raises(InvalidTransition):
        exceptions.resolve(admin, case.id, Resolution.LOST, uow=ports.uow, clock=ports.clock)
    other = replace(admin, organisation_id="org_other")
    with pytest.raises(NotFound):
        exceptions.resolve(other, case.id, Resolution.LOST, uow=ports.uow, clock=ports.clock)
