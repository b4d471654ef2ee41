"""`doorstep driver`: inspections, duty changes, hours and the end of the route, without the app."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from doorstep.domain.scans import ScanKind
from doorstep.services import accounts, scans, sorting
from doorstep.services.authorization import system_principal
from doorstep.services.scans import IncomingScan
from tests.entrypoints.cli.runner import Cli, one_line_error
from tests.entrypoints.cli.test_plans import DAY, VAN, day, plan

__all__ = ["day"]  # a fixture, used by name

HEL = timezone(timedelta(hours=2))


def test_inspections_record_the_defects_given_and_refuse_bad_ones(cli: Cli, station: str) -> None:
    """Items not named are ok; an unsafe one grounds the van; a bad --defect says why."""
    cli.ok("vehicles", "add", "--station", station, "--name", "Van 1", "--parcels", "3", *VAN)
    args = ("driver", "inspect", "Van 1", "--date", DAY)
    minor = cli.ok(*args, "--kind", "pre_trip", "--defect", "tyres:minor:worn tread")
    assert "tyres" in minor.stdout
    assert "pre-trip inspection insp_" in minor.stdout
    assert "1 defects" in minor.stdout
    unsafe = cli.ok(*args, "--kind", "post_trip", "--defect", "brakes:unsafe:grinding")
    assert "out of service until maintenance mnt_" in unsafe.stdout
    assert "brakes: grinding" in unsafe.stdout
    wrong = cli(*args, "--kind", "pre_trip", "--defect", "tyres:broken:flat")
    assert wrong.exit_code == 2
    assert "severity minor or unsafe" in one_line_error(wrong)
    unknown = cli(*args, "--kind", "pre_trip", "--defect", "flux_capacitor:unsafe:gone")
    assert unknown.exit_code == 1
    assert "not on the checklist" in one_line_error(unknown)


def test_duty_changes_add_up_to_the_hours_shown(cli: Cli, station: str) -> None:
    """EU rules: 4 h 40 min of driving without a break; a break is due, and was breached."""
    cli.ok("drivers", "add", "--station", station, "--name", "Aino", "--shift", "07:00-17:00")
    cli.ok("driver", "duty", "Aino", "driving", "--at", f"{DAY}T06:00:00+02:00")
    cli.ok("driver", "duty", "Aino", "on_duty", "--at", f"{DAY}T10:40:00+02:00")
    at = ("--rules", "eu_561", "--at", f"{DAY}T10:45:00+02:00")
    found = json.loads(cli.ok("driver", "hours", "Aino", *at, "--json").stdout)
    assert found["driving_s"] == 4 * 3600 + 40 * 60
    assert found["break_due"] is True
    shown = cli.ok("driver", "hours", "Aino", *at).stdout
    assert "4 h 40 min" in shown
    assert "violation" in shown
    naive = cli("driver", "duty", "Aino", "off_duty", "--at", f"{DAY}T11:00:00")
    assert naive.exit_code == 2
    assert "give the offset too" in one_line_error(naive)


def loaded(cli: Cli) -> list[str]:
    """Scan Van 1's parcels in, sort and load them as the handhelds would; their barcodes."""
    container = cli.container()
    try:
        (org,) = accounts.list_organisations(uow=container.uow())
        principal = system_principal(org.id)
        day = date.fromisoformat(DAY)
        lines = sorting.sort_plan(principal, "HEL1", day, uow=container.uow()).lines
        at = datetime(2026, 11, 23, 6, 0, tzinfo=HEL)
        events = [
            IncomingScan(f"evt-{n:04d}-{kind}", kind, line.assignment.barcode,
                         at + timedelta(minutes=n), lane=line.assignment.lane,
                         vehicle_id=line.assignment.vehicle_id)
            for n, (line, kind) in enumerate(
                (line, kind) for line in lines for kind in (ScanKind.RECEIVE, ScanKind.SORT,
                                                            ScanKind.LOAD)
            )
        ]  # fmt: skip
        scans.ingest(principal, events, uow=container.uow(), clock=container.clock)
    finally:
        container.close()
    return [line.assignment.barcode for line in lines]


def test_the_route_ends_after_its_departure_and_post_trip_inspection(
    cli: Cli, day: dict[str, str]
) -> None:
    """Nothing delivered: every parcel is still on board at the end; ending again is the same."""
    cli.ok("plan", "publish", plan(cli)["id"])
    end = ("driver", "end-route", "Van 1", "--date", DAY)
    early = cli(*end)
    assert early.exit_code == 1
    assert "has not departed" in one_line_error(early)
    codes = loaded(cli)
    cli.ok("driver", "inspect", "Van 1", "--date", DAY, "--kind", "pre_trip")
    cli.ok("station", "depart", "--station", "HEL1", "--date", DAY, "--vehicle", "Van 1")
    uninspected = cli(*end)
    assert uninspected.exit_code == 1
    assert "no post-trip inspection since it departed" in one_line_error(uninspected)
    cli.ok("driver", "inspect", "Van 1", "--date", DAY, "--kind", "post_trip")
    ended = json.loads(cli.ok(*end, "--odometer-km", "48211", "--json").stdout)
    assert sorted(ended["on_board"]) == sorted(codes)
    assert (ended["odometer_km"], ended["maintenance_id"]) == (48211, None)
    again = cli.ok(*end).stdout
    assert "3 parcels still on board" in again
    assert "route of Van 1 ended at " in again
    assert ended["id"] in again
