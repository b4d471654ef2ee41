"""Sample order files: realistic rows at real addresses, a known share of known mistakes."""

from __future__ import annotations

import dataclasses
import random
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import email_validator
import phonenumbers
import pytest

from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.synth import write_synthetic_city
from doorstep.adapters.spreadsheets import write_table
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location, distance_m
from doorstep.domain.geocoding import KnownAddress
from doorstep.domain.orders import Recipient
from doorstep.domain.text import fold
from doorstep.simulation.mistakes import Mistake, bad_phone
from doorstep.simulation.sample_orders import (
    HEADER,
    PIN_NOISE_MAX_M,
    STATION_COLUMN,
    WRONG_PIN_M,
    SampleSet,
    sample_orders,
)

DAY = date(2026, 11, 23)
ZONE = "Europe/Helsinki"
COLUMN = {name: i for i, name in enumerate(HEADER)}
PIN_SLACK_M = PIN_NOISE_MAX_M * 1.5  # a clean pin's distance from its address, at most


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> list[KnownAddress]:
    """The ~2,900 addresses of a 3 km synthetic city."""
    root = tmp_path_factory.mktemp("town")
    write_synthetic_city(root / "town.osm.pbf", name="town", size_km=3.0, seed=1)
    store = RegionStore(root / "regions")
    store.build(root / "town.osm.pbf", name="town", timezone=ZONE)
    return store.addresses("town").known()


@pytest.fixture(scope="module")
def helsinki(helsinki_region: RegionStore) -> list[KnownAddress]:
    """Central Helsinki's real addresses: Finnish street names, gaps in postcodes and cities."""
    return helsinki_region.addresses("helsinki").known()


@pytest.fixture(params=["town", "helsinki"])
def addresses(request: pytest.FixtureRequest) -> list[KnownAddress]:
    found: list[KnownAddress] = request.getfixturevalue(request.param)
    return found


def cell(samples: SampleSet, i: int, name: str) -> object:
    return samples.rows[i][COLUMN[name]]


def test_same_seed_gives_the_same_file_byte_for_byte(
    town: list[KnownAddress], tmp_path: Path
) -> None:
    first = sample_orders(town, count=500, seed=11, day=DAY, timezone=ZONE)
    again = sample_orders(town, count=500, seed=11, day=DAY, timezone=ZONE)
    other = sample_orders(town, count=500, seed=12, day=DAY, timezone=ZONE)
    assert first == again
    write_table(tmp_path / "a.csv", first.header, first.rows)
    write_table(tmp_path / "b.csv", again.header, again.rows)
    write_table(tmp_path / "c.csv", other.header, other.rows)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_columns_count_and_unique_ids_and_barcodes(addresses: list[KnownAddress]) -> None:
    samples = sample_orders(addresses, count=1200, seed=3, day=DAY, timezone=ZONE)
    assert samples.header == HEADER
    assert len(samples.rows) == len(samples.labels) == 1200
    assert all(len(row) == len(HEADER) for row in samples.rows)
    ids = [cell(samples, i, "Order ID") for i in range(1200)]
    assert ids[0] == "SO-3-000001"
    assert len(set(ids)) == 1200
    barcodes: list[str] = []
    for i, label in enumerate(samples.labels):
        written = str(cell(samples, i, "Barcode")).split(";")
        assert written == list(label.barcodes)
        assert len(written) == cell(samples, i, "Parcels")
        barcodes += written
    assert len(set(barcodes)) == len(barcodes)
    assert all(re.fullmatch(r"JJFI\d{17}", code) for code in barcodes)
    assert all(label.reference == ids[i] for i, label in enumerate(samples.labels))


def test_station_code_adds_a_station_column() -> None:
    town = [
        KnownAddress("Kalevankatu", str(n), "00100", "Helsinki", Location(60.166, 24.935))
        for n in range(1, 30)
    ]
    samples = sample_orders(town, count=10, seed=1, day=DAY, timezone=ZONE, station_code="HEL1")
    assert samples.header == [*HEADER, STATION_COLUMN]
    assert {row[-1] for row in samples.rows} == {"HEL1"}


def test_addresses_are_distinct_while_they_last(town: list[KnownAddress]) -> None:
    few = sample_orders(town, count=1000, seed=5, day=DAY, timezone=ZONE)
    keys = [(la.address.street, la.address.house_number) for la in few.labels]
    assert len(set(keys)) == 1000
    small = town[:40]
    many = sample_orders(small, count=100, seed=5, day=DAY, timezone=ZONE)
    drawn = Counter(label.address for label in many.labels)
    assert set(drawn) == set(small)  # every address once before any twice
    assert max(drawn.values()) > 1


def test_the_share_of_mistakes_and_their_kinds(addresses: list[KnownAddress]) -> None:
    samples = sample_orders(addresses, count=3000, seed=8, day=DAY, timezone=ZONE, mistakes=0.2)
    counts = samples.mistake_counts()
    assert counts["none"] == 2400
    kinds = {kind.value for kind in Mistake} - {"none"}
    assert set(counts) - {"none"} == kinds  # every kind shows up
    for kind in kinds:
        assert 0.08 < counts[kind] / 600 < 0.4, counts
    clean = sample_orders(addresses, count=300, seed=8, day=DAY, timezone=ZONE, mistakes=0.0)
    assert clean.mistake_counts() == {"none": 300}


def test_each_mistake_really_differs_from_the_truth(addresses: list[KnownAddress]) -> None:
    samples = sample_orders(addresses, count=2500, seed=21, day=DAY, timezone=ZONE, mistakes=0.3)
    postcodes = {a.postcode for a in addresses}
    seen = Counter[Mistake]()
    for i, label in enumerate(samples.labels):
        truth = label.address
        written = str(cell(samples, i, "Address"))
        postcode = cell(samples, i, "Postcode")
        phone = str(cell(samples, i, "Phone"))
        kind = label.mistake
        seen[kind] += 1
        exact = " ".join(p for p in (truth.street, truth.house_number, label.unit) if p)
        if kind is Mistake.TYPO:
            tail = " ".join(p for p in (truth.house_number, label.unit) if p)
            assert written.endswith(" " + tail)
            street = written.removesuffix(" " + tail)
            assert fold(street) != fold(truth.street)
            assert slip_distance(street, truth.street) == 1, (street, truth.street)
        elif kind is Mistake.MISSING_NUMBER:
            assert written == truth.street
            assert label.unit == ""
        else:
            assert written == exact
        if kind is Mistake.WRONG_POSTCODE:
            assert postcode != truth.postcode
            assert postcode in postcodes
        else:
            assert postcode == truth.postcode
        if kind is Mistake.PIN_IN_WRONG_STREET:
            assert label.pin is not None
            assert label.pin_address is not None
            assert label.pin_address.street != truth.street
            assert WRONG_PIN_M[0] <= distance_m(label.pin, truth.location) <= WRONG_PIN_M[1]
            assert distance_m(label.pin, label.pin_address.location) <= PIN_SLACK_M
        elif label.pin is not None:
            assert distance_m(label.pin, truth.location) <= PIN_SLACK_M
        if label.pin is None:
            assert cell(samples, i, "Latitude") is None
        else:
            lat, lon = cell(samples, i, "Latitude"), cell(samples, i, "Longitude")
            assert isinstance(lat, float)
            assert isinstance(lon, float)
            assert distance_m(Location(lat, lon), label.pin) < 0.2
        if phone:
            Recipient(str(cell(samples, i, "Name")), phone)  # every row passes the domain's rule
            valid = phonenumbers.is_valid_number(phonenumbers.parse(phone, "FI"))
            assert valid is (kind is not Mistake.BAD_PHONE), phone
        else:
            assert kind is not Mistake.BAD_PHONE
    assert seen[Mistake.NONE] == 1750
    assert all(seen[kind] > 20 for kind in Mistake), seen


def test_rows_look_like_a_shippers_file(addresses: list[KnownAddress]) -> None:
    n = 3000
    samples = sample_orders(addresses, count=n, seed=2, day=DAY, timezone=ZONE, mistakes=0.0)
    column = {name: [row[COLUMN[name]] for row in samples.rows] for name in HEADER}
    assert set(column["Date"]) == {"2026-11-23"}
    assert all(str(city).strip() and any(c.isalpha() for c in str(city)) for city in column["City"])
    assert 0.28 < sum(lat is not None for lat in column["Latitude"]) / n < 0.39
    emails = [e for e in column["Email"] if e]
    assert 0.7 < len(emails) / n < 0.95
    for email in emails:
        email_validator.validate_email(str(email), check_deliverability=False)
    phones = [str(p) for p in column["Phone"] if p]
    assert len(phones) > 0.95 * n
    styles = Counter(
        "intl-spaced"
        if p.startswith("+358 ")
        else "intl"
        if p.startswith("+358")
        else "spaced"
        if " " in p
        else "plain"
        for p in phones
    )
    assert len(styles) == 4
    assert min(styles.values()) > 0.15 * len(phones)
    names = [str(name) for name in column["Name"]]
    business = {"Oy", "Ab", "Tmi", "Kahvila", "Ravintola", "Kukkakauppa", "Parturi-kampaamo"}
    companies = [name for name in names if business & set(name.split())]
    assert 0.02 < len(companies) / n < 0.15
    assert len(set(names)) > 0.5 * n
    service = Counter(column["Service time (min)"])
    assert all(isinstance(m, int) and 1 <= m <= 10 for m in service)
    assert (service[2] + service[3]) / n > 0.55
    weights = [float(str(w)) for w in column["Weight (kg)"]]
    assert all(0.2 <= w <= 30 for w in weights)
    assert 0.8 < sorted(weights)[n // 2] < 3.0  # most parcels are light
    assert max(weights) > 10
    assert all(float(str(v)) > 0 for v in column["Volume (l)"])
    parcels = Counter(column["Parcels"])
    assert set(parcels) <= {1, 2, 3, 4}
    assert parcels[1] / n > 0.7
    notes = [str(note) for note in column["Notes"] if note]
    assert 0.06 < len(notes) / n < 0.2


def test_windows_are_local_and_within_the_day(town: list[KnownAddress]) -> None:
    n = 3000
    samples = sample_orders(town, count=n, seed=4, day=DAY, timezone=ZONE)
    kinds = Counter[str]()
    for i, label in enumerate(samples.labels):
        start, end = cell(samples, i, "Time window start"), cell(samples, i, "Time window end")
        if start is None:
            assert end is None
            assert label.window is None
            kinds["none"] += 1
            continue
        assert isinstance(start, str)
        assert isinstance(end, str)
        assert re.fullmatch(r"\d\d:\d\d", start)
        assert re.fullmatch(r"\d\d:\d\d", end)
        assert "08:00" <= start < end <= "21:00"
        assert label.window is not None
        local = ZoneInfo(ZONE)
        assert label.window.start_at == datetime.fromisoformat(f"{DAY}T{start}").replace(
            tzinfo=local
        )
        assert label.window.end_at.astimezone(local).strftime("%H:%M") == end
        hours = int(end[:2]) - int(start[:2])
        kinds["slot" if hours == 2 else f"{start}-{end}"] += 1
    assert 0.25 < kinds["none"] / n < 0.35
    assert set(kinds) == {"none", "slot", "08:00-12:00", "12:00-16:00", "16:00-21:00"}


def test_staircase_and_flat_only_where_there_are_several_dwellings(
    town: list[KnownAddress],
) -> None:
    # Half are blocks of 24 flats, a quarter blocks whose staircases only are known (3).
    blocks = [
        dataclasses.replace(a, units=24 if i % 4 == 1 else 3) if i % 2 else a
        for i, a in enumerate(town)
    ]
    samples = sample_orders(blocks, count=1000, seed=9, day=DAY, timezone=ZONE, mistakes=0.0)
    with_unit = 0
    for i, label in enumerate(samples.labels):
        written = str(cell(samples, i, "Address"))
        if label.address.units < 2:
            assert label.unit == ""
            continue
        if label.unit:
            with_unit += 1
            found = re.fullmatch(r"([A-D]) (\d+)", label.unit)
            assert found is not None
            if label.address.units == 24:
                assert 1 <= int(found.group(2)) <= 24
            else:
                assert found.group(1) in "ABC"
            assert written.endswith(f"{label.address.house_number} {label.unit}")
    assert with_unit > 300


def test_bad_phone_is_undialable_but_still_a_phone_number() -> None:
    rng = random.Random(1)
    for phone in ("+358 40 123 4567", "040 1234567", "0401234567", "+358501234567", "046 4612345"):
        for _ in range(50):
            wrong = bad_phone(phone, rng)
            Recipient("Test Person", wrong)
            assert not phonenumbers.is_valid_number(phonenumbers.parse(wrong, "FI")), wrong


def test_refuses_what_it_cannot_sample(town: list[KnownAddress]) -> None:
    with pytest.raises(InvalidValue, match="no address"):
        sample_orders([], count=10, seed=1, day=DAY, timezone=ZONE)
    with pytest.raises(InvalidValue, match="share"):
        sample_orders(town, count=10, seed=1, day=DAY, timezone=ZONE, mistakes=1.5)
    with pytest.raises(InvalidValue, match="time zone"):
        sample_orders(town, count=10, seed=1, day=DAY, timezone="Mars/Olympus")
    assert sample_orders(town, count=0, seed=1, day=DAY, timezone=ZONE).rows == []


def slip_distance(a: str, b: str) -> int:
    """Edits between ``a`` and ``b``, a swap of neighbours counting as one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        rows.append([i] + [0] * len(b))
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]
