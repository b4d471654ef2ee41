"""One row to a draft order: composition, windows, parcels, every problem, and fingerprints."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, OrderKind, Parcel, Priority, ProofKind
from doorstep.domain.schedules import TimeWindow
from doorstep.services.intake.columns import Field, recognise
from doorstep.services.intake.rows import (
    MAX_PARCELS,
    OrderDraft,
    Problem,
    RowRejected,
    parse_row,
)
from doorstep.services.intake.values import Formats, Unit

F = Field
HELSINKI = ZoneInfo("Europe/Helsinki")
NOV_21 = date(2026, 11, 21)

BASE: dict[Field, object] = {
    F.REFERENCE: "A-1",
    F.NAME: "Ann Virtanen",
    F.ADDRESS: "Mannerheimintie 5 A 3, 00100 Helsinki",
}


def at(hour: int, minute: int = 0, day: date = NOV_21) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI)


def parse(
    number: int = 2,
    *,
    default_date: date | None = NOV_21,
    formats: Formats | None = None,
    **cells: object,
) -> OrderDraft | RowRejected:
    row = BASE | {Field(name): value for name, value in cells.items()}
    return parse_row(
        number,
        {field: value for field, value in row.items() if value is not None},
        timezone=HELSINKI,
        default_date=default_date,
        default_shipper="acme",
        formats=formats,
    )


def draft(**cells: Any) -> OrderDraft:
    parsed = parse(**cells)
    assert isinstance(parsed, OrderDraft), parsed
    return parsed


def problems(**cells: Any) -> list[Problem]:
    parsed = parse(**cells)
    assert isinstance(parsed, RowRejected), parsed
    return list(parsed.problems)


def fields(**cells: Any) -> list[str]:
    return [problem.field for problem in problems(**cells)]


# --- a whole row -----------------------------------------------------------------------------


def test_a_full_row_from_a_finnish_sheet() -> None:
    header = [
        "Tilausnumero", "Lähettäjä", "Tyyppi", "Varasto", "Vastaanottaja", "Yritys", "Puhelin",
        "Sähköposti", "Katu", "Talonumero", "Porras", "Postinumero", "Postitoimipaikka",
        "Päivämäärä", "Aikaikkuna", "Palveluaika (s)", "Paino (g)", "Tilavuus", "Kollit",
        "Lisätiedot", "Kiireellisyys", "Ikäraja",
    ]  # fmt: skip
    row = [
        "T-1001", "Verkkokauppa", "toimitus", "HEL1", "Ann Virtanen", "Virtanen Oy",
        "040 123 4567", "ann@example.com", "Mannerheimintie", "5", "A 3", "00100", "Helsinki",
        "21.11.2026", "9-12; 16:00-18:00", "90", "3000", "4,5", "3", "Ovikoodi 1234",
        "korkea", "K18",
    ]  # fmt: skip
    columns = recognise(header)

    parsed = parse_row(
        7,
        columns.cells(row),
        timezone=HELSINKI,
        default_date=None,
        default_shipper="acme",
        formats=columns.formats,
    )

    assert isinstance(parsed, OrderDraft)
    assert parsed == OrderDraft(
        row=7,
        reference="T-1001",
        shipper="Verkkokauppa",
        kind=OrderKind.DELIVERY,
        station="HEL1",
        name="Ann Virtanen",
        company="Virtanen Oy",
        phone="040 123 4567",
        email="ann@example.com",
        address=Address(
            "Mannerheimintie 5 A 3, 00100 Helsinki",
            street="Mannerheimintie",
            house_number="5",
            unit="A 3",
            postcode="00100",
            city="Helsinki",
        ),
        location=None,
        service_date=NOV_21,
        time_windows=(TimeWindow(at(9), at(12)), TimeWindow(at(16), at(18))),
        service_duration_s=90,
        parcels=(
            Parcel("T-1001-1", weight_kg=1.0, volume_l=1.5),
            Parcel("T-1001-2", weight_kg=1.0, volume_l=1.5),
            Parcel("T-1001-3", weight_kg=1.0, volume_l=1.5),
        ),
        priority=Priority.HIGH,
        proof=parsed.proof,
        notes="Ovikoodi 1234",
        fingerprint=parsed.fingerprint,
    )
    assert (parsed.proof.kind, parsed.proof.minimum_age_years) == (ProofKind.MINIMUM_AGE, 18)
    assert len(parsed.fingerprint) == 64


def test_defaults_for_what_the_row_leaves_out() -> None:
    parsed = draft()

    assert parsed.shipper == "acme"
    assert parsed.kind is OrderKind.DELIVERY
    assert parsed.station is None
    assert parsed.priority is Priority.NORMAL
    assert parsed.proof.kind is ProofKind.NONE
    assert parsed.service_duration_s is None  # the station's default applies later
    assert parsed.time_windows == ()
    assert parsed.service_date == NOV_21
    assert parsed.parcels == (Parcel("A-1-1"),)


def test_a_company_stands_in_for_a_missing_name() -> None:
    parsed = draft(name=None, company="Kone Oyj")

    assert (parsed.name, parsed.company) == ("Kone Oyj", "Kone Oyj")
    assert fields(name=None) == ["name"]


# --- where -----------------------------------------------------------------------------------


def test_address_text_is_completed_from_the_other_columns() -> None:
    address = draft(address="Kauppakatu 3", unit="B 12", postcode="40100", city="Jyväskylä").address

    assert address.as_given == "Kauppakatu 3 B 12, 40100 Jyväskylä"
    assert (address.unit, address.postcode, address.city) == ("B 12", "40100", "Jyväskylä")


def test_address_text_already_naming_its_parts_is_kept() -> None:
    address = draft(unit="A 3", postcode="00100", city="HELSINKI").address

    assert address.as_given == "Mannerheimintie 5 A 3, 00100 Helsinki"


def test_address_built_from_parts() -> None:
    address = draft(
        address=None,
        street="Mannerheimintie",
        house_number=5,
        unit="A",
        postcode=100,
        city="Helsinki",
    ).address

    assert address.as_given == "Mannerheimintie 5 A, 00100 Helsinki"
    assert address.house_number == "5"


@pytest.mark.parametrize(
    ("postcode", "country", "kept"),
    [
        (100, None, "00100"),  # Excel's number; Finland from the time zone
        (150, "NO", "0150"),
        (11455, "SE", "11455"),
        ("114 55", "Sverige", "114 55"),
        ("00100", None, "00100"),
        (100, "GB", "100"),  # length unknown: left alone
    ],
)
def test_leading_zeros_excel_dropped_come_back(
    postcode: object, country: str | None, kept: str
) -> None:
    assert draft(postcode=postcode, country=country).address.postcode == kept


def test_coordinates_alone_are_an_address() -> None:
    parsed = draft(address=None, lat="60,16985", lon=24.93838)

    assert parsed.location == Location(60.16985, 24.93838)
    assert parsed.address.as_given == "60.169850, 24.938380"


def test_zero_zero_means_no_pin() -> None:
    assert draft(lat=0, lon=0).location is None


def test_no_address_at_all() -> None:
    found = problems(address=None, city="Helsinki")

    assert found == [
        Problem(
            "address",
            "there is no street address or location",
            "fill in the address (street and house number), or latitude and longitude",
        )
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        ("60.17", None, [Problem("lon", "is empty but lat is given", "give both or neither")]),
        (None, "24.9", [Problem("lat", "is empty but lon is given", "give both or neither")]),
        (
            "124.9",
            "60.17",
            [Problem("lat", "124.9 is not a latitude", "latitude and longitude look swapped")],
        ),
        ("95", "200", [
            Problem("lat", "95.0 is not a latitude", "latitude is -90 to 90"),
            Problem("lon", "200.0 is not a longitude", "longitude is -180 to 180"),
        ]),
        ("60,17°", "north", [
            Problem("lon", "'north' is not a number", "write a number like 60.1699"),
        ]),
    ],
)  # fmt: skip
def test_coordinate_problems(lat: str | None, lon: str | None, expected: list[Problem]) -> None:
    assert problems(lat=lat, lon=lon) == expected


def test_overlong_address_is_a_problem_not_a_crash() -> None:
    assert fields(address="x" * 600) == ["address.as_given"]


# --- when ------------------------------------------------------------------------------------


def test_times_fall_on_the_rows_date_in_the_stations_zone() -> None:
    parsed = draft(date="2026-11-22", window_start="9:00", window_end="12.00", default_date=NOV_21)

    assert parsed.service_date == date(2026, 11, 22)
    assert parsed.time_windows == (
        TimeWindow(at(9, day=date(2026, 11, 22)), at(12, day=date(2026, 11, 22))),
    )


def test_times_fall_on_the_default_date() -> None:
    assert draft(windows="9-12").time_windows == (TimeWindow(at(9), at(12)),)


def test_summer_time_is_the_zones_not_a_fixed_offset() -> None:
    summer = date(2026, 7, 1)
    (window,) = draft(date=summer, windows="9-12").time_windows

    assert window.start_at.utcoffset() == timedelta(hours=3)
    assert window.start_at == at(9, day=summer)


def test_excel_cells_for_date_and_times() -> None:
    parsed = draft(date=datetime(2026, 11, 21), window_start=time(9), window_end=0.5)

    assert parsed.time_windows == (TimeWindow(at(9), at(12)),)


def test_instants_give_the_service_date_when_the_row_has_none() -> None:
    parsed = draft(windows="2026-11-23T09:00+02:00/2026-11-23T12:00+02:00", default_date=NOV_21)

    assert parsed.service_date == date(2026, 11, 23)
    assert parsed.time_windows == (
        TimeWindow(at(9, day=date(2026, 11, 23)), at(12, day=date(2026, 11, 23))),
    )


def test_a_window_past_midnight_with_dates() -> None:
    (window,) = draft(windows="2026-11-21T22:00/2026-11-22T02:00").time_windows

    assert (window.start_at, window.end_at) == (at(22), at(2, day=date(2026, 11, 22)))


def test_windows_on_another_day_than_the_date_column() -> None:
    assert problems(date="21.11.2026", windows="2026-11-22T09:00/2026-11-22T12:00") == [
        Problem(
            "date",
            "is 2026-11-21 but a window starts on 2026-11-22",
            "make the date and the windows agree, or leave the date empty",
        )
    ]


def test_overlapping_and_touching_windows_are_merged() -> None:
    parsed = draft(
        windows="16-18; 9-12",
        window_start="11:00",
        window_end="13:00",
        window2_start="18",
        window2_end="19",
    )

    assert parsed.time_windows == (TimeWindow(at(9), at(13)), TimeWindow(at(16), at(19)))


def test_one_end_only_is_open_to_that_side_of_the_day() -> None:
    assert draft(window_start="15").time_windows == (
        TimeWindow(at(15), at(0, day=date(2026, 11, 22))),
    )
    assert draft(window_end="12").time_windows == (TimeWindow(at(0), at(12)),)


def test_a_whole_window_in_the_start_column() -> None:
    assert draft(window_start="9-12").time_windows == (TimeWindow(at(9), at(12)),)
    assert problems(window_start="9-12", window_end="13") == [
        Problem("window_start", "holds a whole window", "write only the start time")
    ]


def test_end_before_start_names_the_window() -> None:
    assert problems(window2_start="16:00", window2_end="15:00") == [
        Problem(
            "window2_end",
            "the window 16:00-15:00 ends before it starts",
            "swap the times; for a window past midnight give dates, e.g. "
            "2026-11-21T22:00/2026-11-22T02:00",
        )
    ]
    assert fields(windows="9-12; 18-17") == ["windows"]


def test_times_without_any_date() -> None:
    found = problems(windows="9-12", default_date=None)

    assert [(p.field, p.message) for p in found] == [("windows", "a time of day needs a date")]
    assert "add a Date column" in found[0].fix


def test_month_first_dates_when_the_header_says_so() -> None:
    parsed = draft(date="11/21/2026", formats=Formats(month_first=True))

    assert parsed.service_date == NOV_21


# --- what ------------------------------------------------------------------------------------


def test_barcodes_give_one_parcel_each_and_share_the_weight() -> None:
    parsed = draft(barcode="JJFI1; JJFI2", weight="3 kg", volume="0,01 m3")

    assert parsed.parcels == (
        Parcel("JJFI1", weight_kg=1.5, volume_l=5.0),
        Parcel("JJFI2", weight_kg=1.5, volume_l=5.0),
    )


def test_units_from_the_header() -> None:
    parsed = draft(
        weight="1500", service_time="90", formats=Formats(weight=Unit.G, duration=Unit.S)
    )

    assert parsed.parcels[0].weight_kg == pytest.approx(1.5)
    assert parsed.service_duration_s == 90


@pytest.mark.parametrize(
    ("reference", "barcodes"),
    [
        ("1001", ["1001-1", "1001-2"]),
        ("Tilaus 12/Ää", ["Tilaus-12/Aa-1", "Tilaus-12/Aa-2"]),
        ("  A  B  ", ["A-B-1", "A-B-2"]),
    ],
)
def test_generated_barcodes_derive_from_the_reference(reference: str, barcodes: list[str]) -> None:
    parsed = draft(reference=reference, parcels=2)

    assert [p.barcode for p in parsed.parcels] == barcodes


def test_generated_barcodes_for_unusual_references() -> None:
    (parcel,) = draft(reference="東京").parcels
    long = draft(reference="R" * 100, parcels=12).parcels

    assert parcel.barcode.startswith("R")
    assert parcel.barcode.endswith("-1")
    assert draft(reference="東京").parcels == (parcel,)  # stable across imports
    assert all(len(p.barcode) <= 64 for p in long)
    assert len({p.barcode for p in long}) == 12
    assert long[11].barcode.endswith("~" + long[0].barcode.split("~")[1][:8] + "-12")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"parcels": 0}, Problem("parcels", "0 parcels", f"give 1 to {MAX_PARCELS} parcels")),
        (
            {"parcels": "1000"},
            Problem("parcels", "1000 parcels", f"give 1 to {MAX_PARCELS} parcels"),
        ),
        (
            {"parcels": 3, "barcode": "A B"},
            Problem(
                "parcels",
                "says 3 but 2 barcodes are given",
                "make them agree, or leave the parcel count empty",
            ),
        ),
    ],
)
def test_parcel_problems(cells: dict[str, object], expected: Problem) -> None:
    assert problems(**cells) == [expected]


def test_codes_and_notes() -> None:
    parsed = draft(
        kind="Nouto", priority="urgent", proof="signature", notes="Gate 12\n\nring twice"
    )

    assert parsed.kind is OrderKind.PICKUP
    assert parsed.priority is Priority.URGENT
    assert parsed.proof.kind is ProofKind.SIGNATURE
    assert parsed.notes == "Gate 12\nring twice"
    assert draft(kind="yes", formats=Formats(pickup_flag=True)).kind is OrderKind.PICKUP


# --- every problem at once -------------------------------------------------------------------


def test_a_row_reports_all_its_problems_by_field() -> None:
    found = problems(
        number=9,
        reference=" ",
        name=None,
        date="32.11.2026",
        window_start="12:00",
        window_end="09:00",
        weight="heavy",
        parcels="two",
        lat="60.1",
        priority="1",
        proof="maybe",
        service_time="5 kg",
        kind="task",
        notes="n" * 1001,
    )

    assert [p.field for p in found] == [
        "reference", "name", "lon", "date", "window_end", "weight", "parcels", "notes", "kind",
        "priority", "proof", "service_time",
    ]  # fmt: skip
    assert all(p.message and p.fix for p in found)
    # The unreadable date does not hide that the window ends before it starts.
    assert "ends before it starts" in found[4].message


def test_a_phone_number_excel_rounded_is_a_problem() -> None:
    (found,) = problems(phone=3.58401234567e17)

    assert found.field == "phone"
    assert "Excel may have rounded" in found.message


def test_rejected_rows_keep_their_number() -> None:
    parsed = parse(number=41, reference=None)

    assert isinstance(parsed, RowRejected)
    assert parsed.row == 41


# The characters cells are made of, so the fuzzing hits the parsers' edges (and needs no
# Unicode table, whose first build is slow enough to trip Hypothesis's health check).
CELL_CHARS = "0123456789 .,:;-/+\u2013\u2212()[]°TZapmkgslhPMäöÅ東\n\t\u00a0"


@given(
    st.dictionaries(
        st.sampled_from(list(Field)),
        st.one_of(
            st.text(CELL_CHARS, max_size=30),
            st.integers(-(10**6), 10**6),
            st.floats(),
            st.dates().map(lambda d: datetime.combine(d, time())),
            st.times(),
            st.none(),
        ),
    )
)
def test_no_cell_content_makes_parsing_raise(cells: dict[Field, object]) -> None:
    parsed = parse_row(2, cells, timezone=HELSINKI, default_date=NOV_21, default_shipper="acme")

    assert isinstance(parsed, OrderDraft | RowRejected)


# --- fingerprints ----------------------------------------------------------------------------

SAME_ROW_WRITTEN_DIFFERENTLY = [
    {
        F.REFERENCE: "A-1",
        F.NAME: "Ann Virtanen",
        F.STREET: "Mannerheimintie",
        F.HOUSE_NUMBER: "5",
        F.POSTCODE: "00100",
        F.CITY: "Helsinki",
        F.DATE: "2026-11-21",
        F.WINDOWS: "09:00-12:00",
        F.WEIGHT: "1.5",
        F.SERVICE_TIME: "5",
        F.LAT: "60.1699",
        F.LON: "24.9384",
        F.PRIORITY: "high",
    },
    {
        F.PRIORITY: "H",
        F.LON: 24.9384,
        F.LAT: "60,1699",
        F.SERVICE_TIME: "00:05:00",
        F.WEIGHT: "1,5 kg",
        F.WINDOW_END: "12.00",
        F.WINDOW_START: "9",
        F.DATE: datetime(2026, 11, 21),
        F.CITY: " Helsinki ",
        F.POSTCODE: 100,
        F.HOUSE_NUMBER: 5,
        F.STREET: "Mannerheimintie",
        F.NAME: "Ann  Virtanen",
        F.REFERENCE: "A-1",
        F.PARCELS: 1,
    },
    {
        F.REFERENCE: "A-1",
        F.NAME: "Ann Virtanen",
        F.STREET: "Mannerheimintie",
        F.HOUSE_NUMBER: "5",
        F.POSTCODE: "00100",
        F.CITY: "Helsinki",
        F.WINDOWS: "2026-11-21T07:00Z/2026-11-21T10:00Z",
        F.WEIGHT: "1500 g",
        F.SERVICE_TIME: "300 s",
        F.LAT: "60.169900",
        F.LON: "24.938400",
        F.PRIORITY: "korkea",
    },
]


def fingerprint_of(cells: dict[Field, object]) -> str:
    parsed = parse_row(2, cells, timezone=HELSINKI, default_date=None, default_shipper="acme")
    assert isinstance(parsed, OrderDraft), parsed
    return parsed.fingerprint


def test_the_same_content_written_differently_has_one_fingerprint() -> None:
    prints = {fingerprint_of(cells) for cells in SAME_ROW_WRITTEN_DIFFERENTLY}

    assert len(prints) == 1


@given(st.permutations(list(SAME_ROW_WRITTEN_DIFFERENTLY[1].items())), st.integers(2, 10**6))
def test_fingerprints_ignore_column_order_and_row_number(
    items: list[tuple[Field, object]], number: int
) -> None:
    parsed = parse_row(
        number, dict(items), timezone=HELSINKI, default_date=None, default_shipper="acme"
    )

    assert isinstance(parsed, OrderDraft)
    assert parsed.fingerprint == fingerprint_of(SAME_ROW_WRITTEN_DIFFERENTLY[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (F.REFERENCE, "A-2"),
        (F.SHIPPER, "other"),
        (F.KIND, "pickup"),
        (F.STATION, "HEL2"),
        (F.NAME, "Ann Virtanen-Koski"),
        (F.COMPANY, "Kone"),
        (F.PHONE, "0401234567"),
        (F.EMAIL, "ann@example.com"),
        (F.HOUSE_NUMBER, "6"),
        (F.UNIT, "B 2"),
        (F.POSTCODE, "00120"),
        (F.CITY, "Espoo"),
        (F.COUNTRY, "FI"),
        (F.LAT, "60.1700"),
        (F.DATE, "2026-11-22"),
        (F.WINDOWS, "09:00-12:30"),
        (F.SERVICE_TIME, "6"),
        (F.WEIGHT, "1.6"),
        (F.VOLUME, "2"),
        (F.PARCELS, "2"),
        (F.BARCODE, "JJFI1"),
        (F.NOTES, "ring"),
        (F.PRIORITY, "urgent"),
        (F.PROOF, "photo"),
    ],
)
def test_every_real_change_changes_the_fingerprint(field: Field, value: object) -> None:
    original = SAME_ROW_WRITTEN_DIFFERENTLY[0]

    assert fingerprint_of(original | {field: value}) != fingerprint_of(original)


def test_fingerprint_is_a_sha256_hex_digest() -> None:
    print_ = fingerprint_of(SAME_ROW_WRITTEN_DIFFERENTLY[0])

    assert len(print_) == 64
    assert int(print_, 16) >= 0
