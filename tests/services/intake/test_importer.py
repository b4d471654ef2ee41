"""Importing order rows: idempotent by reference, row by row, every problem reported."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import pytest

from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Address
from doorstep.services.authorization import Principal
from doorstep.services.intake.columns import recognise
from doorstep.services.intake.importer import ImportOptions, ImportReport, Outcome, import_rows
from doorstep.services.ports import OrderFilter
from tests.services.intake.conftest import World

HEADER = [
    "Order ID",
    "Name",
    "Phone",
    "Address",
    "Time window start",
    "Time window end",
    "Weight (kg)",
    "Parcels",
    "Station",
]


def rows(*lines: Sequence[object]) -> list[list[object]]:
    return [list(line) for line in lines]


GOOD = [
    ["A-1", "Ann Aalto", "+358 40 123 4567", "Mannerheimintie 5", "09:00", "12:00", "2,5", "1", ""],
    ["A-2", "Bo Berg", "040 1234567", "Mannerheimintie 5 with units", "", "", "1", "2", ""],
    ["A-3", "Cy Carr", "", "Nowhere Road 1", "13:00", "15:00", "4", "1", ""],
]


def run(
    world: World,
    table: list[list[object]],
    header: Sequence[str] = HEADER,
    executor: Executor | None = None,
) -> ImportReport:
    columns = recognise(header)
    numbered = [(i, columns.cells(row)) for i, row in enumerate(table, start=2)]
    options = ImportOptions(
        shipper="shop",
        station=world.station.code,
        default_date=__import__("datetime").date(2026, 11, 23),
        timezone="Europe/Helsinki",
        formats=columns.formats,
    )
    p = world.ports
    return import_rows(
        world.admin,
        numbered,
        options,
        uow=p.uow,
        clock=p.clock,
        ids=p.ids,
        checks=world.checks,
        executor=executor,
    )


def test_import_creates_orders_and_holds_the_bad_address(world: World) -> None:
    report = run(world, GOOD)
    assert [r.outcome for r in report.rows] == [Outcome.CREATED] * 3
    assert report.counts == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "needs_attention": 1,
    }
    statuses = {r.reference: r.status for r in report.rows}
    assert statuses == {
        "A-1": OrderStatus.READY,
        "A-2": OrderStatus.READY,
        "A-3": OrderStatus.NEEDS_ATTENTION,
    }
    second = next(r for r in report.rows if r.reference == "A-2")
    assert [f.code.value for f in second.flags] == ["unit_missing"]


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    run(world, GOOD)
    before = {o.id: o for o in world.ports.uow.tables.orders.values()}
    again = run(world, GOOD)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED] * 3
    assert again.counts["needs_attention"] == 1
    assert {o.id: o for o in world.ports.uow.tables.orders.values()} == before


def test_same_content_written_differently_is_unchanged(world: World) -> None:
    run(world, GOOD)
    restyled = [list(row) for row in GOOD]
    restyled[0][6] = "2.5"  # decimal point instead of comma
    restyled[0][4] = "9.00"
    assert [r.outcome for r in run(world, restyled).rows] == [Outcome.UNCHANGED] * 3


def test_a_changed_row_updates_its_order_and_says_what_changed(world: World) -> None:
    first = run(world, GOOD)
    changed = [list(row) for row in GOOD]
    changed[0][2] = "+358 50 765 4321"
    changed[0][5] = "13:00"
    report = run(world, changed)
    assert [r.outcome for r in report.rows] == [
        Outcome.UPDATED,
        Outcome.UNCHANGED,
        Outcome.UNCHANGED,
    ]
    assert report.rows[0].order_id == first.rows[0].order_id
    assert set(report.rows[0].changed) == {"recipient", "time_windows"}
    assert len(world.ports.uow.tables.orders) == 3


def test_a_broken_row_is_reported_by_row_and_field_and_the_others_are_saved(world: World) -> None:
    broken = rows(
        GOOD[0],
        ["B-1", "Dee", "", "Mannerheimintie 5", "32:00", "12:00", "2", "1", ""],  # bad time
        ["B-2", "Eve", "", "Mannerheimintie 5", "", "", "heavy", "1", ""],  # text in a number
        ["B-3", "Fay", "", "Mannerheimintie 5", "", "", "1", "1", "NOPE"],  # unknown station
        GOOD[2],
    )
    report = run(world, broken)
    outcomes = {r.row: r.outcome for r in report.rows}
    assert outcomes == {
        2: Outcome.CREATED,
        3: Outcome.REJECTED,
        4: Outcome.REJECTED,
        5: Outcome.REJECTED,
        6: Outcome.CREATED,
    }
    fields = {r.row: {p.field for p in r.problems} for r in report.rows if r.problems}
    assert fields[3] == {"window_start"}
    assert fields[4] == {"weight"}
    assert fields[5] == {"station"}
    station_problem = next(r for r in report.rows if r.row == 5).problems[0]
    assert "HEL1" in station_problem.message  # names the stations that exist
    assert all(p.fix for r in report.rows for p in r.problems)
    saved = {o.shipper_reference for o in world.ports.uow.tables.orders.values()}
    assert saved == {"A-1", "A-3"}


def test_a_reference_repeated_in_the_file_is_rejected_once(world: World) -> None:
    report = run(world, rows(GOOD[0], GOOD[0]))
    assert [r.outcome for r in report.rows] == [Outcome.CREATED, Outcome.REJECTED]
    assert "row 2" in report.rows[1].problems[0].message


def test_a_barcode_of_another_order_rejects_the_row(world: World) -> None:
    header = [*HEADER, "Barcode"]
    first = rows([*GOOD[0], "JJFI1"], [*GOOD[1][:7], "1", "", "JJFI1"])
    report = run(world, first, header)
    assert [r.outcome for r in report.rows] == [Outcome.CREATED, Outcome.REJECTED]
    assert report.rows[1].problems[0].field == "barcode"


def test_a_row_that_fails_when_saved_leaves_nothing_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The savepoint undoes the row's own writes; the rows around it are kept."""
    real_add = world.ports.uow.orders.add

    def add(order: Any) -> None:
        real_add(order)
        if order.shipper_reference == "A-2":
            from doorstep.domain.errors import Conflict

            raise Conflict("simulated concurrent writer", field="shipper_reference")

    monkeypatch.setattr(world.ports.uow.orders, "add", add)
    report = run(world, GOOD)
    assert [r.outcome for r in report.rows] == [
        Outcome.CREATED,
        Outcome.REJECTED,
        Outcome.CREATED,
    ]
    saved = {o.shipper_reference for o in world.ports.uow.tables.orders.values()}
    assert saved == {"A-1", "A-3"}


def test_duplicates_inside_one_file_are_flagged(world: World) -> None:
    twin = ["A-9", *GOOD[0][1:]]
    report = run(world, rows(GOOD[0], twin))
    assert [f.code.value for f in report.rows[1].flags] == ["duplicate"]
    assert report.rows[1].status is OrderStatus.NEEDS_ATTENTION


def test_an_update_keeps_a_pin_a_person_placed(world: World, admin: Principal) -> None:
    from doorstep.domain.geo import Location
    from doorstep.services.intake import attention

    report = run(world, GOOD)
    held = report.rows[2].order_id
    assert held is not None
    p = world.ports
    pin = Location(60.171, 24.941)
    attention.fix_order(
        admin,
        held,
        attention.MovePin(pin),
        uow=p.uow,
        clock=p.clock,
        ids=p.ids,
        checks=world.checks,
    )
    changed = [list(row) for row in GOOD]
    changed[2][2] = "+358 50 765 4321"  # the shipper corrects the phone, not the address
    run(world, changed)
    order = p.uow.tables.orders[held]
    assert order.location == pin
    assert order.status is OrderStatus.READY


def test_needs_attention_listing_filters_by_flag(world: World, admin: Principal) -> None:
    from doorstep.domain.flags import FlagCode
    from doorstep.services import orders

    run(world, GOOD)
    p = world.ports
    page = orders.list_orders(
        admin,
        OrderFilter(statuses=frozenset({OrderStatus.NEEDS_ATTENTION}), flag=FlagCode.NO_MATCH),
        cursor=None,
        limit=10,
        uow=p.uow,
    )
    assert [o.shipper_reference for o in page.orders] == ["A-3"]
    assert page.orders[0].address == Address("Nowhere Road 1")


def test_parsing_in_a_worker_process_gives_the_same_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows parsed ahead in another process (pickled there and back) import exactly as inline,
    batch boundaries included."""
    monkeypatch.setattr("doorstep.services.intake.importer.BATCH_ROWS", 2)
    broken = ["A-4", "Di Dahl", "", "Mannerheimintie 5", "", "", "heavy", "1", ""]
    with ProcessPoolExecutor(max_workers=1) as pool:
        report = run(world, rows(*GOOD, broken), executor=pool)
    assert [(r.row, r.outcome) for r in report.rows] == [
        (2, Outcome.CREATED),
        (3, Outcome.CREATED),
        (4, Outcome.CREATED),
        (5, Outcome.REJECTED),
    ]
    assert report.rows[3].problems[0].field == "weight"
    again = run(world, rows(*GOOD, broken))
    assert [r.outcome for r in again.rows[:3]] == [Outcome.UNCHANGED] * 3


def test_a_requirements_column_sets_the_order_skills(world: World) -> None:
    """'Refrigerated, lift gate' in a requirements column becomes the order's required skills."""
    header = [*HEADER, "Requirements"]
    report = run(world, rows([*GOOD[0], "Refrigerated, lift gate"]), header)
    order = world.ports.uow.tables.orders[report.rows[0].order_id]
    assert order.required_skills == frozenset({"refrigerated", "lift_gate"})


def test_an_import_with_a_worker_pool_freezes_what_exists_before_forking(world: World) -> None:
    """The address index and all else alive when the pool forks are left out of the cyclic
    collector's walks; an import without a pool (the API's) leaves the collector alone."""
    run(world, GOOD)
    assert gc.get_freeze_count() == 0
    with ProcessPoolExecutor(max_workers=1) as pool:
        run(world, GOOD, executor=pool)
    assert gc.get_freeze_count() > 0
