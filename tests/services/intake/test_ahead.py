"""Checks done ahead in a worker process decide exactly what the checks done inline decide.

An import with a process pool looks addresses up and checks phones and e-mails in the worker
that parses the next batch (``ahead.py``); ``OrderChecks.run`` then only decides. These tests
import the same rows both ways, through a real process pool, and compare every row's outcome,
flags and place; and make sure the main process really leaves that work to the worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from doorstep.adapters.geocoding.unavailable import UnavailableGeocoder
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.bootstrap import LocalIndex
from doorstep.domain.flags import FlagCode
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate, GeocoderUnavailable
from doorstep.domain.orders import Address, LocationSource
from doorstep.services.intake import ahead, attention
from doorstep.services.intake import checks as checks_module
from doorstep.services.intake.ahead import AheadChecks
from doorstep.services.intake.checks import Lookup, OrderChecks, Prechecked
from doorstep.services.intake.columns import recognise
from doorstep.services.intake.importer import ImportOptions, ImportReport, Outcome, import_rows
from doorstep.services.intake.rows import OrderDraft, parse_row
from doorstep.services.ports import Geocoder
from doorstep.simulation.sample_orders import sample_orders
from tests.services.conftest import T0, Ports, make_admin
from tests.services.fakes import (
    FakeClock,
    FakePasswords,
    FakeSecrets,
    FakeUnitOfWork,
    SequentialIds,
)
from tests.services.intake.conftest import DOOR, HEL, FakeIndex, World, fake_index, make_world

HEADER = [
    "Order ID", "Name", "Phone", "Email", "Address", "Latitude", "Longitude",
    "Time window start", "Time window end", "Parcels",
]  # fmt: skip
FAR = Location(60.1800, 24.9600)  # about 1.6 km from DOOR
# One row for every flag the lookup or the contact checks can raise, and for none.
ROWS = [
    ["A-1", "Ann", "+358 40 123 4567", "ann@example.fi", "Mannerheimintie 5", "", "", "", "", "1"],
    ["A-2", "Bo", "040 1234567", "", "Mannerheimintie 5 with units", "", "", "09:00", "12:00", "1"],
    ["A-3", "Cy", "", "", "Nowhere Road 1", "", "", "13:00", "15:00", "1"],
    ["A-4", "Di", "", "", "Manerheimintie 5", "", "", "", "", "1"],
    ["A-5", "Ed", "", "", "Mannerheimintie", "", "", "", "", "1"],
    ["A-6", "Fi", "", "", "Mannerheimintie 5, 00990 Helsinki", "", "", "", "", "1"],
    ["A-7", "Gus", "", "", "Mannerheimintie 5", f"{FAR.lat}", f"{FAR.lon}", "", "", "1"],
    ["A-8", "Hel", "", "", "Mannerheimintie 5", f"{DOOR.lat}", f"{DOOR.lon}", "", "", "1"],
    ["A-9", "Ida", "12345", "", "Mannerheimintie 5", "", "", "", "", "1"],
    ["A-10", "Jo", "", "not-an-address", "Mannerheimintie 5", "", "", "", "", "1"],
    ["A-11", "Kai", "", "", "Mannerheimintie 5", "", "", "32:00", "12:00", "1"],  # rejected
    ["A-12", "Lea", "", "", "Nowhere Road 2", f"{FAR.lat}", f"{FAR.lon}", "", "", "1"],
]  # fmt: skip


def fresh_world(source: Any = None) -> World:
    """A world of its own; ids start over, so two worlds fed the same rows name orders alike."""
    ports = Ports(FakeUnitOfWork(), FakeClock(T0), SequentialIds(), FakeSecrets(), FakePasswords())
    world = make_world(ports, make_admin(ports, "City Couriers"))
    world.source = source
    return world


def run(
    world: World,
    table: Sequence[Sequence[object]],
    *,
    checks: OrderChecks | None = None,
    pool: Executor | None = None,
    header: Sequence[str] = HEADER,
) -> ImportReport:
    columns = recognise(header)
    numbered = [(i, columns.cells(list(row))) for i, row in enumerate(table, start=2)]
    options = ImportOptions(
        shipper="shop",
        station=world.station.code,
        default_date=date(2026, 11, 23),
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
        checks=checks or world.checks,
        executor=pool,
    )


def decided(world: World, report: ImportReport) -> tuple[list[Any], dict[str, Any]]:
    """Every row's outcome and flags, and every order's place, as the import left them."""
    rows = [(r.row, r.outcome, r.status, r.flags, r.changed, r.problems) for r in report.rows]
    places = {
        o.shipper_reference: (o.location, o.location_source, o.geocode, o.status, o.flags)
        for o in world.ports.uow.tables.orders.values()
    }
    return rows, places


@pytest.fixture(autouse=True)
def _no_geocoder_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without a geocoder remembered for workers by an earlier test."""
    monkeypatch.setattr(ahead, "_loaded", {})


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProcessPoolExecutor]:
    """One worker process; batches of three rows, so chunks cross batch boundaries."""
    monkeypatch.setattr("doorstep.services.intake.importer.BATCH_ROWS", 3)
    with ProcessPoolExecutor(max_workers=1) as executor:
        yield executor


@dataclass
class NotHere:
    """Answers like ``inner``, except in the process that made it: proves that process never
    asked (a worker forked from it inherits a copy, which answers)."""

    inner: Geocoder
    made_in: int = field(default_factory=os.getpid)

    def _here(self) -> None:
        if os.getpid() == self.made_in:
            raise AssertionError("the main process asked the geocoder")

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        self._here()
        return self.inner.forward(address, limit=limit)

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        self._here()
        return self.inner.reverse(location, limit=limit, radius_m=radius_m)

    def parse(self, text: str) -> Address:
        self._here()
        return self.inner.parse(text)


@dataclass(frozen=True)
class Unavailable:
    """A source whose geocoder cannot answer (a remote service down)."""

    reason: str = "the service is down"

    def __call__(self) -> UnavailableGeocoder:
        return UnavailableGeocoder(self.reason)


@dataclass(frozen=True)
class NoIndex:
    """A source that cannot make a geocoder at all (the region's index is gone)."""

    def __call__(self) -> Geocoder:
        raise GeocoderUnavailable("region 'gone' has no address index")


def test_every_flag_and_place_is_the_same_as_inline(pool: ProcessPoolExecutor) -> None:
    inline = fresh_world()
    first = decided(inline, run(inline, ROWS))
    ahead_world = fresh_world(FakeIndex())
    assert decided(ahead_world, run(ahead_world, ROWS, pool=pool)) == first
    codes = {f.code for row in first[0] for f in row[3]}
    assert codes >= {
        FlagCode.UNIT_MISSING,
        FlagCode.NO_MATCH,
        FlagCode.LOW_CONFIDENCE,
        FlagCode.MISSING_HOUSE_NUMBER,
        FlagCode.POSTCODE_MISMATCH,
        FlagCode.PIN_FAR_FROM_ADDRESS,
        FlagCode.INVALID_PHONE,
        FlagCode.INVALID_EMAIL,
    }


def test_updates_are_the_same_as_inline(pool: ProcessPoolExecutor) -> None:
    """A moved address is placed afresh, a changed phone checked again, the rest unchanged."""
    changed = [list(row) for row in ROWS]
    changed[2][4] = "Mannerheimintie 5"  # A-3 found now
    changed[0][2] = "12345"  # A-1's phone broken
    inline = fresh_world()
    run(inline, ROWS)
    expected = decided(inline, run(inline, changed))
    ahead_world = fresh_world(FakeIndex())
    run(ahead_world, ROWS, pool=pool)
    assert decided(ahead_world, run(ahead_world, changed, pool=pool)) == expected
    assert {r[0] for r in expected[0] if r[4]} == {2, 4}


def test_the_main_process_does_not_geocode_or_check_contacts(
    pool: ProcessPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = fresh_world()
    expected = decided(inline, run(inline, ROWS))
    here = os.getpid()
    real = checks_module.contact_flags

    def contact_flags(phone: str, email: str, country: str) -> list[Any]:
        assert os.getpid() != here, "the main process checked a contact"
        return real(phone, email, country)

    monkeypatch.setattr(checks_module, "contact_flags", contact_flags)
    world = fresh_world(FakeIndex())
    checks = OrderChecks(NotHere(fake_index()), world.travel, "FI", FakeIndex())
    assert decided(world, run(world, ROWS, checks=checks, pool=pool)) == expected


def test_a_worker_loads_the_geocoder_from_its_source(pool: ProcessPoolExecutor) -> None:
    """A worker started before the import has no geocoder to inherit: it loads its own."""
    pool.submit(int).result()  # the worker process exists before the import shares anything
    inline = fresh_world()
    expected = decided(inline, run(inline, ROWS))
    world = fresh_world(FakeIndex())
    checks = OrderChecks(NotHere(fake_index()), world.travel, "FI", FakeIndex())
    assert decided(world, run(world, ROWS, checks=checks, pool=pool)) == expected


def test_without_a_source_the_main_process_geocodes(pool: ProcessPoolExecutor) -> None:
    """A remote geocoder is asked from the main process only; the results do not change."""
    inline = fresh_world()
    expected = decided(inline, run(inline, ROWS))
    world = fresh_world(source=None)
    assert decided(world, run(world, ROWS, pool=pool)) == expected


def test_a_geocoder_that_cannot_answer_holds_orders_as_inline(pool: ProcessPoolExecutor) -> None:
    inline = fresh_world()
    unavailable = OrderChecks(Unavailable()(), inline.travel, "FI")
    expected = decided(inline, run(inline, ROWS, checks=unavailable))
    world = fresh_world()
    checks = OrderChecks(Unavailable()(), world.travel, "FI", Unavailable())
    assert decided(world, run(world, ROWS, checks=checks, pool=pool)) == expected
    no_match = [r for r in expected[0] if any(f.code is FlagCode.NO_MATCH for f in r[3])]
    assert no_match
    assert all("could not be geocoded: the service is down" in r[3][0].message for r in no_match)


def test_a_source_that_fails_leaves_geocoding_to_the_main_process(
    pool: ProcessPoolExecutor,
) -> None:
    pool.submit(int).result()  # started before sharing: the worker must use the source
    inline = fresh_world()
    expected = decided(inline, run(inline, ROWS))
    world = fresh_world(NoIndex())
    assert decided(world, run(world, ROWS, pool=pool)) == expected


def test_a_pin_a_person_placed_is_kept(pool: ProcessPoolExecutor) -> None:
    """An order placed by hand is not placed again by a lookup done ahead."""
    world = fresh_world(FakeIndex())
    report = run(world, ROWS, pool=pool)
    held = next(r.order_id for r in report.rows if r.reference == "A-3")
    assert held is not None
    pin = Location(60.171, 24.941)
    p = world.ports
    attention.fix_order(
        world.admin, held, attention.MovePin(pin), uow=p.uow, clock=p.clock, ids=p.ids,
        checks=world.checks,
    )  # fmt: skip
    changed = [list(row) for row in ROWS]
    changed[2][2] = "+358 50 765 4321"  # the phone changes, the address does not
    run(world, changed, pool=pool)
    order = p.uow.tables.orders[held]
    assert (order.location, order.location_source) == (pin, LocationSource.MANUAL)


def test_the_real_local_geocoder_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sample orders at a synthetic town's addresses, a tenth with mistakes, placed by the
    town's own index loaded in the worker: the same as inline, pickled candidates and all."""
    pbf = tmp_path / "town.osm.pbf"
    write_synthetic_city(pbf, name="town", size_km=2.0, seed=1)
    store = RegionStore(tmp_path / "regions")
    store.build(pbf, name="town", timezone="Europe/Helsinki")
    source = LocalIndex(store.root, "town")
    geocoder = source()
    samples = sample_orders(
        store.addresses("town").known(), count=60, seed=2, day=date(2026, 11, 23),
        timezone="Europe/Helsinki", mistakes=0.1,
    )  # fmt: skip
    inline = fresh_world()
    checks = OrderChecks(geocoder, inline.travel, "FI")
    expected = decided(inline, run(inline, samples.rows, checks=checks, header=samples.header))
    assert any(row[3] for row in expected[0])  # the mistakes were flagged
    monkeypatch.setattr("doorstep.services.intake.importer.BATCH_ROWS", 25)
    world = fresh_world()
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(int).result()  # the worker loads the index itself
        checks = OrderChecks(NotHere(geocoder), world.travel, "FI", source)
        got = decided(
            world, run(world, samples.rows, checks=checks, pool=pool, header=samples.header)
        )
    assert got == expected


# -- the pieces on their own -----------------------------------------------------------------


def drafts(*addresses: str, phone: str = "") -> list[OrderDraft]:
    columns = recognise(["Order ID", "Name", "Phone", "Address"])
    parsed = [
        parse_row(
            i,
            columns.cells([f"R-{i}", "Ann", phone, text]),
            timezone=HEL,
            default_date=None,
            default_shipper="shop",
            formats=columns.formats,
        )
        for i, text in enumerate(addresses, start=2)
    ]
    assert all(isinstance(d, OrderDraft) for d in parsed)
    return parsed  # type: ignore[return-value]


@dataclass(frozen=True)
class Counted:
    """A source that counts how often it was asked to make a geocoder."""

    made: list[int] = field(default_factory=list, hash=False, compare=False)

    def __call__(self) -> Geocoder:
        self.made.append(1)
        return fake_index()


def test_a_process_makes_each_geocoder_once() -> None:
    source = Counted()
    checks = AheadChecks("FI", source)
    first = checks.run(drafts("Mannerheimintie 5"))
    checks.run(drafts("Nowhere Road 1"))
    assert len(source.made) == 1
    lookup = first[2].lookup
    assert lookup is not None
    assert lookup.candidates[0].street == "Mannerheimintie"
    assert lookup.parts.house_number == "5"


def test_contacts_are_checked_ahead_without_a_geocoder() -> None:
    done = AheadChecks("FI").run(drafts("Mannerheimintie 5", phone="12345"))
    assert done[2].lookup is None
    assert [f.code for f in done[2].contact] == [FlagCode.INVALID_PHONE]


def test_run_takes_what_was_done_ahead_for_the_same_values(world: World) -> None:
    """Flags come from the lookup done ahead, unless it was for another address or phone."""
    order = world.create(address=Address("Mannerheimintie 5"))
    assert order.flags == ()
    nothing = Lookup(Address("Mannerheimintie 5", street="Mannerheimintie", house_number="5"))
    done = Prechecked(order.address, order.recipient.phone, order.recipient.email, (), nothing)
    world.checks.run([order], {world.station.id: world.station}, {order.id: done})
    assert [f.code for f in order.flags] == [FlagCode.NO_MATCH]  # the lookup found nothing
    elsewhere = Prechecked(Address("Other 1"), "12345", "", (), nothing)
    world.checks.run([order], {world.station.id: world.station}, {order.id: elsewhere})
    assert order.flags == ()  # neither the address nor the phone is the order's: done again


def test_a_file_imported_again_is_only_parsed_ahead_after_its_first_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unchanged rows need no checks: once a batch comes back unchanged, the chunks handed to
    the pool after it are only parsed. (A thread pool here, so that the calls can be counted.)"""
    monkeypatch.setattr("doorstep.services.intake.importer.BATCH_ROWS", 1)
    monkeypatch.setattr("doorstep.services.intake.importer.AHEAD_BATCHES", 2)
    checked: list[int] = []
    real = AheadChecks.run

    def run_counted(self: AheadChecks, drafts: Iterable[OrderDraft]) -> dict[int, Prechecked]:
        done = real(self, drafts)
        checked.extend(done)
        return done

    monkeypatch.setattr(AheadChecks, "run", run_counted)
    good = [row for row in ROWS if row[0] != "A-11"]  # every row an order
    world = fresh_world(FakeIndex())
    with ThreadPoolExecutor(max_workers=1) as threads:
        run(world, good, pool=threads)
        assert len(checked) == len(good)
        checked.clear()
        again = run(world, good, pool=threads)
    assert {r.outcome for r in again.rows} == {Outcome.UNCHANGED}
    # The first batch, and the two handed out with it before it was saved.
    assert checked == [2, 3, 4]
    changed = [list(row) for row in good]
    for row in changed[6:]:
        row[2] = "+358 50 765 4321"  # the second half changes
    inline = fresh_world()
    run(inline, good)
    expected = decided(inline, run(inline, changed))
    with ThreadPoolExecutor(max_workers=1) as threads:
        checked.clear()
        assert decided(world, run(world, changed, pool=threads)) == expected
    # Checking ahead resumes with the chunks handed out after the first changed batch (row 8
    # was saved when 9 and 10 were already in the pool); what was not checked ahead was
    # checked inline, with the same results.
    assert checked == [2, 3, 4, 11, 12]
