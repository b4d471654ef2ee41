"""A mis-load names the vans by the names the crew knows them by: in the answer to the scan,
in the stored event's problem and in the case the dispatchers see."""

from __future__ import annotations

from doorstep.domain.exceptions import CaseStatus, ExceptionType
from doorstep.domain.orders import Order
from doorstep.domain.scans import ScanKind
from doorstep.services import exceptions, fleet, scans, sorting
from doorstep.services.authorization import Principal
from tests.services.conftest import Ports
from tests.services.planning.test_runs import DAY, van
from tests.services.test_loadout import day, station
from tests.services.test_sorting import published, scan, send

__all__ = ["day", "station"]  # fixtures, used by name
K = ScanKind


def test_a_mis_load_names_both_vans(ports: Ports, admin: Principal, day: list[Order]) -> None:
    published(ports, admin)
    other = van(ports, admin, "Spare van")  # after planning: it has no route
    line = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines[0]
    code, lane = line.assignment.barcode, line.assignment.lane
    assert line.vehicle_name == "Van 1"
    assert line.assignment.vehicle_id != other
    answer = send(
        ports, admin,
        scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=lane),
        scan(2, K.LOAD, code, vehicle_id=other),
    )  # fmt: skip
    words = f"mis-load: this parcel belongs on Van 1 (lane {lane}), not Spare van; take it off"
    assert answer.results[2].problem == words
    (stored,) = scans.list_scans(admin, barcode=code, problems_only=True, uow=ports.uow).records
    assert stored.problem == words
    (case,) = exceptions.list_cases(admin, uow=ports.uow).cases
    assert (case.type, case.summary) == (ExceptionType.MIS_LOAD, words)

    # Renamed meanwhile: a late scan replays the parcel whole and words the problem anew; the
    # parcel is still on the wrong van, so its case stays open.
    with ports.uow:
        spare = fleet.find_vehicle(ports.uow, admin.organisation_id, other)
    fleet.update_vehicle(admin, spare.id, {"name": "Van 7"}, uow=ports.uow)
    send(ports, admin, scan(-1, K.DAMAGED, code))  # before the others: a whole replay
    (stored,) = scans.list_scans(admin, barcode=code, problems_only=True, uow=ports.uow).records
    assert stored.problem == words.replace("Spare van", "Van 7")
    (still,) = exceptions.list_cases(admin, uow=ports.uow).cases
    assert (still.id, still.status) == (case.id, CaseStatus.OPEN)

    # The right load clears it.
    send(ports, admin, scan(3, K.LOAD, code, vehicle_id=line.assignment.vehicle_id))
    assert exceptions.list_cases(admin, uow=ports.uow).cases == ()


def test_a_device_naming_no_van_of_ours_reads_by_its_id(
    ports: Ports, admin: Principal, day: list[Order]
) -> None:
    published(ports, admin)
    line = sorting.sort_plan(admin, "HEL1", DAY, uow=ports.uow).lines[0]
    code, lane = line.assignment.barcode, line.assignment.lane
    answer = send(
        ports, admin,
        scan(0, K.RECEIVE, code), scan(1, K.SORT, code, lane=lane),
        scan(2, K.LOAD, code, vehicle_id="veh_nobody"),
    )  # fmt: skip
    assert answer.results[2].problem == (
        f"mis-load: this parcel belongs on Van 1 (lane {lane}), not vehicle veh_nobody; take it off"
    )
