"""Reading cell values as people write them, and the fixes offered when they cannot be read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import OrderKind, Priority, ProofKind, ProofRequirement
from doorstep.services.intake.values import (
    CellError,
    Span,
    Unit,
    is_blank,
    parse_barcodes,
    parse_clock,
    parse_count,
    parse_country,
    parse_date,
    parse_duration,
    parse_kind,
    parse_notes,
    parse_number,
    parse_priority,
    parse_proof,
    parse_quantity,
    parse_text,
    parse_window,
    parse_windows,
    unit_named,
)

EET = timezone(timedelta(hours=2))


def refused(call: object, *args: object, **options: object) -> CellError:
    assert callable(call)
    with pytest.raises(CellError) as caught:
        call(*args, **options)
    assert isinstance(caught.value, InvalidValue)  # shells translate it like any bad value
    return caught.value


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("2.5", 2.5),
        ("1,5", 1.5),  # decimal comma
        ("1,500", 1.5),  # a lone separator is decimal, whichever it is
        (" 12 ", 12.0),
        ("-3", -3.0),
        ("\u22123,5", -3.5),  # the minus sign Excel's Finnish locale writes
        (".5", 0.5),
        (",5", 0.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),  # no-break space
        ("1\u202f234\u202f567", 1234567.0),  # narrow no-break space
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1.234.567", 1234567.0),
        (7, 7.0),
        (2.25, 2.25),
    ],
)
def test_numbers(cell: object, number: float) -> None:
    assert parse_number(cell, "lat") == number


@pytest.mark.parametrize(
    "cell", ["abc", "12.34,5", "1,2,3", "1.2.3,4", "1 23", "2..5", "5 kg", "nan", "inf", True]
)
def test_not_numbers(cell: object) -> None:
    error = refused(parse_number, cell, "lat", example="60.1699")

    assert error.field == "lat"
    assert "is not a number" in error.problem
    assert error.fix == "write a number like 60.1699"


@pytest.mark.parametrize(
    ("cell", "unit", "amount"),
    [
        ("2.5 kg", Unit.KG, 2.5),
        ("2,5kg", Unit.KG, 2.5),
        ("500 g", Unit.KG, 0.5),
        ("500", Unit.G, 0.5),
        (500, Unit.G, 0.5),
        ("1 Kilo", Unit.KG, 1.0),
        ("2 lbs", Unit.KG, 0.90718474),
        ("0,05 m³", Unit.L, 50.0),
        ("20 l", Unit.M3, 20.0),
        ("3 litraa", Unit.L, 3.0),
        ("1 234,5", Unit.KG, 1234.5),
    ],
)
def test_quantities_in_base_units(cell: object, unit: Unit, amount: float) -> None:
    assert parse_quantity(cell, "weight", unit=unit) == pytest.approx(amount)


@pytest.mark.parametrize(
    ("cell", "problem", "fix"),
    [
        ("heavy", "'heavy' is not a number", "write a number like 2.5 or 2.5 kg"),
        ("2 min", "'min' is not a unit of mass", "2.5 (in kg) or 2.5 kg"),
        ("2 stone", "'stone' is not a unit doorstep knows", "2.5 (in kg) or 2.5 kg"),
        ("-1", "-1 is negative", "write 0 or more"),
        (-1.0, "-1.0 is negative", "write 0 or more"),
        ("1" + "0" * 400, "not a number", "write a number"),
    ],
)
def test_quantity_errors(cell: object, problem: str, fix: str) -> None:
    error = refused(parse_quantity, cell, "weight", unit=Unit.KG)

    assert problem in error.problem
    assert fix in error.fix


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("kg", Unit.KG),
        ("KG", Unit.KG),
        ("m³", Unit.M3),
        ("sekuntia", Unit.S),
        ("Minuter", Unit.MIN),
    ],
)
def test_unit_names(spelling: str, unit: Unit) -> None:
    assert unit_named(spelling) is unit


@given(
    st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([("", ","), ("", "."), (" ", ","), ("\u00a0", ","), (".", ","), (",", ".")]),
)
def test_numbers_round_trip_through_spreadsheet_formatting(
    number: Decimal, style: tuple[str, str]
) -> None:
    """However a locale writes a number (thousands grouped, decimal comma), it reads back."""
    group, point = style
    whole, _, fraction = f"{number:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", group)
    text = grouped + (point + fraction if fraction.strip("0") else "")
    if group in ".," and grouped.count(group) == 1 and not fraction.strip("0"):
        return  # "1.234" alone is 1.234: a lone separator is read as the decimal one

    assert parse_number(text, "weight") == pytest.approx(float(number), rel=1e-12)


@pytest.mark.parametrize(
    ("cell", "count"), [("3", 3), (3, 3), (3.0, 3), ("3 kpl", 3), ("2 pcs", 2), ("4 st", 4)]
)
def test_counts(cell: object, count: int) -> None:
    assert parse_count(cell, "parcels") == count


@pytest.mark.parametrize("cell", ["2.5", 2.5, "three", "3 kg", "-1", True])
def test_not_counts(cell: object) -> None:
    error = refused(parse_count, cell, "parcels")

    assert error.fix == "write a number like 3"


# --- dates -----------------------------------------------------------------------------------

NOV_21 = date(2026, 11, 21)


@pytest.mark.parametrize(
    "cell",
    [
        "2026-11-21",
        "21.11.2026",
        "21.11.2026.",
        "21.11.26",
        "21/11/2026",
        "21-11-2026",
        "2026/11/21",
        "2026.11.21",
        "20261121",
        20261121,
        "2026-11-21T09:00:00+02:00",
        date(2026, 11, 21),
        datetime(2026, 11, 21, 0, 0),  # what openpyxl gives for a date cell
    ],
)
def test_dates(cell: object) -> None:
    assert parse_date(cell, "date") == NOV_21


def test_slashed_dates_are_day_first_unless_the_column_says_otherwise() -> None:
    assert parse_date("01/02/2026", "date") == date(2026, 2, 1)
    assert parse_date("02/01/2026", "date", month_first=True) == date(2026, 2, 1)
    assert parse_date("11/21/2026", "date", month_first=True) == NOV_21
    # Dots are day first everywhere, whatever the header says.
    assert parse_date("01.02.2026", "date", month_first=True) == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("cell", "problem", "fix"),
    [
        ("tomorrow", "'tomorrow' is not a date", "write the date as 2026-11-21 or 21.11.2026"),
        ("31.11.2026", "'31.11.2026' is not a date (day is out of range", "2026-11-21"),
        ("11/21/2026", "is not a date (month must be in 1..12)", "'Date (MM/DD/YYYY)'"),
        (46347, "46347 looks like an Excel date serial number", "format the column as a date"),
        (time(9), "09:00:00 is a time, not a date", "2026-11-21"),
        (-5, "-5 is not a date", "2026-11-21"),
    ],
)
def test_date_errors(cell: object, problem: str, fix: str) -> None:
    error = refused(parse_date, cell, "date")

    assert problem in error.problem
    assert fix in error.fix


# --- times of day and instants ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "clock"),
    [
        ("9", time(9)),
        ("09", time(9)),
        ("9:00", time(9)),
        ("09.00", time(9)),
        ("9.30", time(9, 30)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("9:30 p.m.", time(21, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("14:30:00", time(14, 30)),
        ("14:30:00.000", time(14, 30)),
        ("klo 9.00", time(9)),
        ("kl. 14", time(14)),
        (9, time(9)),
        (0.375, time(9)),  # Excel's fraction of a day
        (time(9, 15), time(9, 15)),  # an Excel time cell
        (datetime(1899, 12, 30, 9, 15), time(9, 15)),  # a time cell on Excel's epoch
        (timedelta(hours=9, minutes=15), time(9, 15)),
    ],
)
def test_times_of_day(cell: object, clock: time) -> None:
    assert parse_clock(cell, "window_start") == clock


@pytest.mark.parametrize(
    ("cell", "instant"),
    [
        ("2026-11-21T09:00:00+02:00", datetime(2026, 11, 21, 9, tzinfo=EET)),
        ("2026-11-21T07:00Z", datetime(2026, 11, 21, 7, tzinfo=UTC)),
        ("2026-11-21 09:00", datetime(2026, 11, 21, 9)),
        ("21.11.2026 9.00", datetime(2026, 11, 21, 9)),
        ("21/11/2026 9am", datetime(2026, 11, 21, 9)),
        (datetime(2026, 11, 21, 9), datetime(2026, 11, 21, 9)),
    ],
)
def test_instants(cell: object, instant: datetime) -> None:
    assert parse_clock(cell, "window_start") == instant


@pytest.mark.parametrize(
    ("cell", "problem", "fix"),
    [
        ("noon", "'noon' is not a time", "write a time like 9:00, 09.30, 14:30 or 2pm"),
        ("25:00", "'25:00' is not a time of day", "9:00"),
        ("9:75", "'9:75' is not a time of day", "9:00"),
        ("13pm", "13 is not an hour on a 12-hour clock", "2pm"),
        ("24:00", "24:00 is not a time of day", "write 23:59, or 00:00 with the next date"),
        ("9.3", "'9.3' is not a time", "09.30"),
        (9.3, "the number 9.3 is not a clear time of day", "09.30"),
        (date(2026, 11, 21), "is a date without a time", "9:00"),
        ("2026-11-21", "'2026-11-21' is not a time", "9:00"),
    ],
)
def test_time_errors(cell: object, problem: str, fix: str) -> None:
    error = refused(parse_clock, cell, "window_start")

    assert problem in error.problem
    assert fix in error.fix


# --- windows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "09:00-12:00",
        "9-12",
        "9 - 12",
        "09:00\u201312:00",  # en dash
        "09.00 \u2014 12.00",  # em dash
        "9am to 12pm",
        "9:00/12:00",
        "klo 9-12",
        "9..12",
    ],
)
def test_windows_of_times(cell: str) -> None:
    assert parse_window(cell, "windows") == Span(time(9), time(12))


def test_windows_of_instants() -> None:
    start, end = datetime(2026, 11, 21, 9, tzinfo=EET), datetime(2026, 11, 21, 12, tzinfo=EET)

    assert parse_window("2026-11-21T09:00+02:00/2026-11-21T12:00+02:00", "windows") == Span(
        start, end
    )
    assert parse_window("2026-11-21 09:00 - 2026-11-21 12:00", "windows") == Span(
        start.replace(tzinfo=None), end.replace(tzinfo=None)
    )
    assert parse_window("21.11.2026 9:00-12:00", "windows") == Span(
        datetime(2026, 11, 21, 9), time(12)
    )


def test_several_windows_in_one_cell() -> None:
    expected = (Span(time(9), time(12)), Span(time(16), time(18)))

    assert parse_windows("09:00-12:00; 16:00-18:00", "windows") == expected
    assert parse_windows("9-12, 16-18", "windows") == expected
    assert parse_windows("9-12\n16-18;", "windows") == expected
    assert parse_windows("9-12 ja 16-18", "windows") == expected


@pytest.mark.parametrize("cell", ["morning", "9", "9-12-15", "9-noon", ";"])
def test_window_errors(cell: str) -> None:
    error = refused(parse_windows, cell, "windows")

    assert "write a window like 09:00-12:00, 9-12" in error.fix


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "unit", "seconds"),
    [
        ("5", Unit.MIN, 300),  # minutes by default
        (5, Unit.MIN, 300),
        ("5", Unit.S, 5),  # "Service time (s)"
        ("1,5", Unit.MIN, 90),
        ("5 min", Unit.S, 300),
        ("300 s", Unit.MIN, 300),
        ("2 minuuttia", Unit.MIN, 120),
        ("1 h", Unit.MIN, 3600),
        ("00:05:00", Unit.MIN, 300),
        ("0:05", Unit.MIN, 300),  # hours:minutes
        ("1:30", Unit.MIN, 5400),
        ("PT5M", Unit.MIN, 300),
        ("PT1M30S", Unit.MIN, 90),
        (time(0, 5), Unit.MIN, 300),  # an Excel time cell
        (timedelta(minutes=5), Unit.MIN, 300),  # an Excel [h]:mm cell
        (datetime(1899, 12, 31, 1, 0), Unit.MIN, 90_000),  # 25 h as a datetime past the epoch
    ],
)
def test_durations(cell: object, unit: Unit, seconds: int) -> None:
    assert parse_duration(cell, "service_time", unit=unit) == seconds


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("5 kg", "'kg' is not a unit of time"),
        ("a while", "'a while' is not a number"),
        ("-5", "-5 is negative"),
        ("0:75", "'0:75' is not a duration"),
        (date(2026, 11, 21), "is a date, not a duration"),
    ],
)
def test_duration_errors(cell: object, problem: str) -> None:
    assert problem in refused(parse_duration, cell, "service_time").problem


# --- order codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "priority"),
    [
        ("low", Priority.LOW),
        ("Normal", Priority.NORMAL),
        ("medium", Priority.NORMAL),
        ("M", Priority.NORMAL),  # OptimoRoute's L/M/H/C
        ("HIGH", Priority.HIGH),
        ("urgent", Priority.URGENT),
        ("C", Priority.URGENT),
        ("critical", Priority.URGENT),
        ("kiireellinen", Priority.URGENT),
        ("korkea", Priority.HIGH),
        ("Hög", Priority.HIGH),
        ("brådskande", Priority.URGENT),
        ("låg", Priority.LOW),
    ],
)
def test_priorities(cell: str, priority: Priority) -> None:
    assert parse_priority(cell, "priority") is priority


def test_priority_numbers_are_refused_with_the_reason() -> None:
    error = refused(parse_priority, "1", "priority")

    assert error.problem == "'1' is not a priority"
    assert "tools disagree whether 1 is the highest or the lowest" in error.fix
    assert refused(parse_priority, "soon", "priority").fix == "write low, normal, high or urgent"


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("delivery", OrderKind.DELIVERY),
        ("D", OrderKind.DELIVERY),
        ("Drop-off", OrderKind.DELIVERY),
        ("toimitus", OrderKind.DELIVERY),
        ("pickup", OrderKind.PICKUP),
        ("Pick-up", OrderKind.PICKUP),
        ("P", OrderKind.PICKUP),
        ("return", OrderKind.PICKUP),
        ("Nouto", OrderKind.PICKUP),
        ("hämtning", OrderKind.PICKUP),
        (True, OrderKind.PICKUP),
    ],
)
def test_kinds(cell: object, kind: OrderKind) -> None:
    assert parse_kind(cell, "kind") is kind


def test_kind_errors_and_yes_no_pickup_columns() -> None:
    assert refused(parse_kind, "task", "kind").fix == "write delivery or pickup"
    assert parse_kind("TRUE", "kind", pickup_flag=True) is OrderKind.PICKUP
    assert parse_kind("kyllä", "kind", pickup_flag=True) is OrderKind.PICKUP
    assert parse_kind("no", "kind", pickup_flag=True) is OrderKind.DELIVERY
    assert parse_kind(0, "kind", pickup_flag=True) is OrderKind.DELIVERY
    assert refused(parse_kind, "maybe", "kind", pickup_flag=True).fix == "write yes for a pickup"


@pytest.mark.parametrize(
    ("cell", "proof"),
    [
        ("signature", ProofRequirement(ProofKind.SIGNATURE)),
        ("Allekirjoitus", ProofRequirement(ProofKind.SIGNATURE)),
        ("photo", ProofRequirement(ProofKind.PHOTO)),
        ("kuva", ProofRequirement(ProofKind.PHOTO)),
        ("PIN", ProofRequirement(ProofKind.PIN)),
        ("pin-koodi", ProofRequirement(ProofKind.PIN)),
        ("none", ProofRequirement()),
        ("-", ProofRequirement()),
        ("18+", ProofRequirement(ProofKind.MINIMUM_AGE, 18)),
        ("K18", ProofRequirement(ProofKind.MINIMUM_AGE, 18)),
        ("K-18", ProofRequirement(ProofKind.MINIMUM_AGE, 18)),
        ("age 20", ProofRequirement(ProofKind.MINIMUM_AGE, 20)),
        ("Ålder 18", ProofRequirement(ProofKind.MINIMUM_AGE, 18)),
        (18, ProofRequirement(ProofKind.MINIMUM_AGE, 18)),
    ],
)
def test_proofs(cell: object, proof: ProofRequirement) -> None:
    assert parse_proof(cell, "proof") == proof


@pytest.mark.parametrize("cell", ["fingerprint", "0+", "age 100"])
def test_proof_errors(cell: str) -> None:
    error = refused(parse_proof, cell, "proof")

    assert error.fix == "write signature, photo, pin, none, or a minimum age like 18+"


@pytest.mark.parametrize(
    ("cell", "code"),
    [("FI", "FI"), ("fi", "FI"), ("Suomi", "FI"), ("Sverige", "SE"), ("SWE", "SE")],
)
def test_countries(cell: str, code: str) -> None:
    assert parse_country(cell, "country") == code


def test_unknown_country() -> None:
    assert refused(parse_country, "Atlantis", "country").fix == "write a code like FI or SE"


# --- text and barcodes -----------------------------------------------------------------------


def test_text_is_trimmed_and_loses_excels_decimal_point() -> None:
    assert parse_text("  Ann   Smith \n", "name") == "Ann Smith"
    assert parse_text(358401234567.0, "phone") == "358401234567"
    assert parse_text(1001, "reference") == "1001"
    assert parse_text(12.5, "reference") == "12.5"
    assert "Excel may have rounded" in refused(parse_text, 1.234e17, "phone").problem


def test_notes_keep_their_lines() -> None:
    assert (
        parse_notes("  Gate code 12 \r\n\r\n  second  door ", "notes")
        == "Gate code 12\nsecond door"
    )


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("JJFI123", ("JJFI123",)),
        ("A1; B2, C3 D4", ("A1", "B2", "C3", "D4")),
        (" A1 ;; ", ("A1",)),
        (370123456789, ("370123456789",)),
        (370123456789.0, ("370123456789",)),
    ],
)
def test_barcodes(cell: object, codes: tuple[str, ...]) -> None:
    assert parse_barcodes(cell, "barcode") == codes


def test_barcode_errors() -> None:
    assert "'ÄÖ1' is not 1-64 printable ASCII" in refused(parse_barcodes, "ÄÖ1", "barcode").problem
    assert "'" + "X" * 65 + "'" in refused(parse_barcodes, "X" * 65, "barcode").problem
    error = refused(parse_barcodes, "A1; B2; A1", "barcode")
    assert (error.problem, error.fix) == (
        "barcode A1 is given twice",
        "list each parcel's barcode once",
    )


def test_blank_cells() -> None:
    assert is_blank(None)
    assert is_blank("")
    assert is_blank(" \t")
    assert not is_blank(0)
    assert not is_blank("-")


def test_skills_read_as_the_fleet_names_them() -> None:
    """Case, spaces and separators are normalised; a name the fleet could not have is refused."""
    from doorstep.services.intake.values import parse_skills

    assert parse_skills("Refrigerated; lift gate, ADR", "skills") == frozenset(
        {"refrigerated", "lift_gate", "adr"}
    )
    with pytest.raises(CellError, match="not a skill name"):
        parse_skills("fridge!", "skills")
