"""One spreadsheet row to a checked draft order, or to every problem that stops it.

``parse_row`` never raises for what a cell holds: each unreadable value becomes a ``Problem``
naming the field and the fix, and all of a row's problems are reported together, so a person
fixes the row once. Rows are independent; a bad row never stops the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.orders import Address, OrderKind, Parcel, Priority, ProofRequirement
from doorstep.domain.schedules import TimeWindow
from doorstep.services.intake.columns import Field
from doorstep.services.intake.values import (
    CellError,
    Clock,
    Formats,
    Span,
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
    parse_skills,
    parse_text,
    parse_window,
    parse_windows,
)

T = TypeVar("T")

MAX_PARCELS = 999  # a typo like 1000 for 10 should not mint a thousand barcodes
_BARCODE_CHARS = re.compile(r"[^\x21-\x7e]+")
# Excel turns the postcode 00100 into the number 100; put the zeros back where the country's
# length is known (from the row, or from the station's time zone).
_POSTCODE_DIGITS = {"FI": 5, "SE": 5, "EE": 5, "DE": 5, "NO": 4, "DK": 4}
_ZONE_COUNTRY = {
    "Europe/Helsinki": "FI",
    "Europe/Mariehamn": "FI",
    "Europe/Stockholm": "SE",
    "Europe/Tallinn": "EE",
    "Europe/Berlin": "DE",
    "Europe/Oslo": "NO",
    "Europe/Copenhagen": "DK",
}
_STAND_IN_DAY = date(2000, 1, 3)
_DATE_FOR_TIMES = (
    "add a Date column, write the window with its date (2026-11-21T09:00/2026-11-21T12:00), "
    "or choose the delivery date for the import"
)


@dataclass(frozen=True)
class Problem:
    """Why a row cannot become an order: the field, what is wrong, and how to fix it."""

    field: str
    message: str
    fix: str


@dataclass(frozen=True)
class RowRejected:
    row: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class OrderDraft:
    """A row read into domain values, before address checks and saving.

    ``name`` is the recipient: the person, or the company when no person is named; ``company``
    is kept as given. ``fingerprint`` (SHA-256 hex) changes exactly when the parsed content
    does, so re-importing an unchanged row can be recognised whatever its formatting.
    """

    row: int
    reference: str
    shipper: str
    kind: OrderKind
    station: str | None
    name: str
    company: str
    phone: str
    email: str
    address: Address
    location: Location | None
    service_date: date | None
    time_windows: tuple[TimeWindow, ...]
    service_duration_s: int | None
    parcels: tuple[Parcel, ...]
    priority: Priority
    proof: ProofRequirement
    notes: str
    fingerprint: str
    skills: frozenset[str] = frozenset()


def parse_row(
    number: int,
    cells: Mapping[Field, object],
    *,
    timezone: ZoneInfo,
    default_date: date | None,
    default_shipper: str,
    formats: Formats | None = None,
) -> OrderDraft | RowRejected:
    """Read row ``number`` (``cells`` by field, as ``ColumnMap.cells`` gives them).

    Times of day fall on the row's date, else ``default_date``, in ``timezone``. ``formats``
    (``ColumnMap.formats``) carries the units and date order the file's header declares.
    """
    row = _Row(cells, formats or Formats())
    reference = _reference(row)
    shipper = row.text(Field.SHIPPER) or default_shipper.strip()
    _check_length(row, "shipper", shipper, 100, required=True)
    name, company = row.text(Field.NAME), row.text(Field.COMPANY)
    if not (name or company):
        row.problem(Field.NAME, "the recipient's name is empty", "fill in a name or a company")
    _check_length(row, "name", name or company, 200)
    phone, email = row.text(Field.PHONE), row.text(Field.EMAIL)  # checked later, by the checks
    station = row.text(Field.STATION) or None
    location = _location(row)
    address = _address(row, location, timezone)
    row_date = row.take(Field.DATE, parse_date, month_first=row.formats.month_first)
    windows, service_date = _windows(row, row_date, default_date, timezone)
    parcels = _parcels(row, reference)
    notes = row.take(Field.NOTES, parse_notes) or ""
    _check_length(row, "notes", notes, 1000)
    kind = row.take(Field.KIND, parse_kind, pickup_flag=row.formats.pickup_flag)
    priority = row.take(Field.PRIORITY, parse_priority)
    proof = row.take(Field.PROOF, parse_proof)
    skills = row.take(Field.SKILLS, parse_skills) or frozenset()
    duration = row.take(Field.SERVICE_TIME, parse_duration, unit=row.formats.duration)
    if row.problems or address is None:
        return RowRejected(number, tuple(row.problems))
    draft = OrderDraft(
        row=number,
        reference=reference,
        shipper=shipper,
        kind=kind or OrderKind.DELIVERY,
        station=station,
        name=name or company,
        company=company,
        phone=phone,
        email=email,
        address=address,
        location=location,
        service_date=service_date,
        time_windows=windows,
        service_duration_s=duration,
        parcels=parcels,
        priority=priority or Priority.NORMAL,
        proof=proof or ProofRequirement(),
        notes=notes,
        fingerprint="",
        skills=skills,
    )
    return _with_fingerprint(draft)


class _Row:
    """One row's cells and the problems found so far."""

    def __init__(self, cells: Mapping[Field, object], formats: Formats) -> None:
        self.cells = cells
        self.formats = formats
        self.problems: list[Problem] = []

    def given(self, field: Field) -> bool:
        return not is_blank(self.cells.get(field))

    def take(self, field: Field, parse: Callable[..., T], **options: object) -> T | None:
        """The parsed cell, or None when it is blank or unreadable (then noted as a problem)."""
        value = self.cells.get(field)
        if is_blank(value):
            return None
        try:
            return parse(value, field.value, **options)
        except CellError as error:
            self.problems.append(Problem(error.field, error.problem, error.fix))
            return None

    def text(self, field: Field) -> str:
        return self.take(field, parse_text) or ""

    def problem(self, field: Field | str, message: str, fix: str) -> None:
        self.problems.append(Problem(str(field), message, fix))


def _check_length(row: _Row, field: str, value: str, limit: int, required: bool = False) -> None:
    if required and not value:
        row.problem(field, f"the {field} is empty", f"fill in the {field}")
    elif len(value) > limit:
        row.problem(field, f"is {len(value)} characters long", f"shorten it to {limit} at most")


def _reference(row: _Row) -> str:
    reference = row.text(Field.REFERENCE)
    if not reference:
        row.problem(
            Field.REFERENCE,
            "the order reference is empty",
            "give each order the shipper's own order id, so re-importing updates it",
        )
    _check_length(row, Field.REFERENCE, reference, 100)
    return reference


# --- where -----------------------------------------------------------------------------------


def _location(row: _Row) -> Location | None:
    lat = row.take(Field.LAT, _coordinate)
    lon = row.take(Field.LON, _coordinate)
    for have, lack in ((Field.LAT, Field.LON), (Field.LON, Field.LAT)):
        if row.given(have) and not row.given(lack):
            row.problem(lack, f"is empty but {have.value} is given", "give both or neither")
    if lat is None or lon is None or lat == lon == 0:
        return None  # 0,0 is what some exports write for "unknown"; geocode the address instead
    swapped = abs(lat) > 90 and abs(lon) <= 90
    if abs(lat) > 90:
        fix = "latitude and longitude look swapped" if swapped else "latitude is -90 to 90"
        row.problem(Field.LAT, f"{lat} is not a latitude", fix)
    if abs(lon) > 180:
        row.problem(Field.LON, f"{lon} is not a longitude", "longitude is -180 to 180")
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return Location(lat, lon)


def _coordinate(value: object, field: str) -> float:
    if isinstance(value, str):
        value = value.strip().rstrip("\u00b0").strip()  # "60.1699°"
    return parse_number(value, field, example="60.1699")


def _address(row: _Row, location: Location | None, timezone: ZoneInfo) -> Address | None:
    country = row.take(Field.COUNTRY, parse_country) or ""
    parts = {
        "street": row.text(Field.STREET),
        "house_number": row.text(Field.HOUSE_NUMBER),
        "unit": row.text(Field.UNIT),
        "postcode": _postcode(row, country or _ZONE_COUNTRY.get(timezone.key, "")),
        "city": row.text(Field.CITY),
    }
    text = row.text(Field.ADDRESS)
    if text:
        as_given = _completed(text, parts)
    elif parts["street"] or parts["house_number"]:
        line = " ".join(filter(None, (parts["street"], parts["house_number"], parts["unit"])))
        place = " ".join(filter(None, (parts["postcode"], parts["city"])))
        as_given = ", ".join(filter(None, (line, place)))
    elif location is not None:
        as_given = f"{location.lat:.6f}, {location.lon:.6f}"
    else:
        row.problem(
            Field.ADDRESS,
            "there is no street address or location",
            "fill in the address (street and house number), or latitude and longitude",
        )
        return None
    try:
        return Address(as_given, country=country, **parts)
    except InvalidValue as error:
        row.problem(error.field, error.message, "shorten the address")
        return None


def _postcode(row: _Row, country: str) -> str:
    value = row.cells.get(Field.POSTCODE)
    text = row.text(Field.POSTCODE)
    digits = _POSTCODE_DIGITS.get(country)
    if isinstance(value, int | float) and digits and text.isdigit():
        return text.zfill(digits)
    return text


def _completed(text: str, parts: Mapping[str, str]) -> str:
    """The address text with the unit, postcode and city columns it does not already name."""
    if parts["unit"] and not _mentions(text, parts["unit"]):
        text = f"{text} {parts['unit']}"
    place = " ".join(p for p in (parts["postcode"], parts["city"]) if p and not _mentions(text, p))
    return f"{text}, {place}" if place else text


def _mentions(text: str, part: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text, re.IGNORECASE) is not None


# --- when ------------------------------------------------------------------------------------

_WINDOW_FIELDS = (
    (Field.WINDOW_START, Field.WINDOW_END),
    (Field.WINDOW2_START, Field.WINDOW2_END),
)


Bounds = tuple[Field, Clock | None, Clock | None]  # a window as written, and its column


def _windows(
    row: _Row, row_date: date | None, default_date: date | None, zone: ZoneInfo
) -> tuple[tuple[TimeWindow, ...], date | None]:
    """The row's windows, merged where they overlap, and its service date.

    The service date is the row's date, else the date the windows are written with, else
    ``default_date``; times of day fall on it.
    """
    month_first = row.formats.month_first
    bounds: list[Bounds] = [
        (Field.WINDOWS, span.start, span.end)
        for span in row.take(Field.WINDOWS, parse_windows, month_first=month_first) or ()
    ]
    for start_field, end_field in _WINDOW_FIELDS:
        start = row.take(start_field, _clock_or_span, month_first=month_first)
        end = row.take(end_field, parse_clock, month_first=month_first)
        if (row.given(start_field) and start is None) or (row.given(end_field) and end is None):
            continue  # unreadable, already reported
        if isinstance(start, Span):  # a whole window in the start column: "9-12"
            if end is not None:
                row.problem(start_field, "holds a whole window", "write only the start time")
                continue
            bounds.append((start_field, start.start, start.end))
        elif start is not None or end is not None:
            bounds.append((end_field, start, end))
    day = row_date or _instant_date(bounds, zone) or default_date
    if day is None and row.given(Field.DATE):
        # The date is unreadable (already reported): check the windows on a stand-in day, so
        # their own problems are reported in the same pass instead of after the next import.
        day = _STAND_IN_DAY
    windows = [w for f, s, e in bounds if (w := _window(row, f, s, e, day, zone)) is not None]
    if row_date is not None:
        _check_dates(row, windows, row_date, zone)
    return _merged(windows), day


def _clock_or_span(value: object, field: str, *, month_first: bool) -> Clock | Span:
    try:
        return parse_clock(value, field, month_first=month_first)
    except CellError as error:
        try:
            return parse_window(value, field, month_first=month_first)
        except CellError:
            raise error from None


def _instant_date(bounds: list[Bounds], zone: ZoneInfo) -> date | None:
    """The date of the earliest window written with its date, for rows without a date."""
    days = [
        _local_date(clock, zone)
        for _, *ends in bounds
        for clock in ends
        if isinstance(clock, datetime)
    ]
    return min(days, default=None)


def _window(
    row: _Row,
    field: Field,
    start: Clock | None,
    end: Clock | None,
    day: date | None,
    zone: ZoneInfo,
) -> TimeWindow | None:
    # A window's own date wins over the row's for the other end: "2026-11-21T22:00/23:30".
    anchor = next((_local_date(c, zone) for c in (start, end) if isinstance(c, datetime)), day)
    if anchor is None:
        row.problem(field, "a time of day needs a date", _DATE_FOR_TIMES)
        return None
    # One end only: "from 9" is until the end of that day, "by 12" from its start.
    start_at = _at(start, anchor, zone) if start is not None else _at(time(), anchor, zone)
    end_at = _at(end, anchor, zone) if end is not None else _at(time(), anchor, zone, next_day=True)
    if end_at <= start_at:
        row.problem(
            field,
            f"the window {_shown(start_at, zone)}-{_shown(end_at, zone)} ends before it starts",
            "swap the times; for a window past midnight give dates, e.g. "
            "2026-11-21T22:00/2026-11-22T02:00",
        )
        return None
    return TimeWindow(start_at, end_at)


def _at(clock: Clock, day: date, zone: ZoneInfo, *, next_day: bool = False) -> datetime:
    if isinstance(clock, datetime):
        return _aware(clock, zone)
    on = day + timedelta(days=1) if next_day else day
    return datetime.combine(on, clock.replace(tzinfo=None), tzinfo=zone)


def _aware(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=zone)


def _local_date(instant: datetime, zone: ZoneInfo) -> date:
    return _aware(instant, zone).astimezone(zone).date()


def _shown(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


def _check_dates(row: _Row, windows: list[TimeWindow], day: date, zone: ZoneInfo) -> None:
    for window in windows:
        starts = window.start_at.astimezone(zone).date()
        if starts != day:
            row.problem(
                Field.DATE,
                f"is {day.isoformat()} but a window starts on {starts.isoformat()}",
                "make the date and the windows agree, or leave the date empty",
            )
            return


def _merged(windows: list[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Sorted, with overlapping or touching windows joined: "9-12; 11-14" is 9-14."""
    merged: list[TimeWindow] = []
    for window in sorted(windows, key=lambda w: w.start_at):
        if merged and window.start_at <= merged[-1].end_at:
            last = merged[-1]
            merged[-1] = TimeWindow(last.start_at, max(last.end_at, window.end_at))
        else:
            merged.append(window)
    return tuple(merged)


# --- what ------------------------------------------------------------------------------------


def _parcels(row: _Row, reference: str) -> tuple[Parcel, ...]:
    formats = row.formats
    weight = row.take(Field.WEIGHT, parse_quantity, unit=formats.weight) or 0.0
    volume = row.take(Field.VOLUME, parse_quantity, unit=formats.volume) or 0.0
    count = row.take(Field.PARCELS, parse_count)
    barcodes = row.take(Field.BARCODE, parse_barcodes) or ()
    if count is not None and not 1 <= count <= MAX_PARCELS:
        row.problem(Field.PARCELS, f"{count} parcels", f"give 1 to {MAX_PARCELS} parcels")
        return ()
    if barcodes and count is not None and count != len(barcodes):
        row.problem(
            Field.PARCELS,
            f"says {count} but {len(barcodes)} barcodes are given",
            "make them agree, or leave the parcel count empty",
        )
        return ()
    if not reference:
        return ()
    if not barcodes:
        stem = _barcode_stem(reference, digits=len(str(count or 1)))
        barcodes = tuple(f"{stem}-{i}" for i in range(1, (count or 1) + 1))
    share = len(barcodes)
    return tuple(
        Parcel(code, weight_kg=weight / share, volume_l=volume / share) for code in barcodes
    )


def _barcode_stem(reference: str, *, digits: int) -> str:
    """The reference as a barcode prefix: printable ASCII without spaces, short enough.

    Generated barcodes derive from the reference alone, so re-importing gives the same ones.
    """
    decomposed = unicodedata.normalize("NFKD", reference)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    stem = _BARCODE_CHARS.sub("-", ascii_only).strip("-")
    digest = hashlib.sha256(reference.encode()).hexdigest()[:8]
    limit = 64 - 1 - digits
    if not stem:
        return f"R{digest}"
    if len(stem) > limit:  # keep it unique although shortened
        return f"{stem[: limit - 9]}~{digest}"
    return stem


# --- fingerprint -----------------------------------------------------------------------------


def _with_fingerprint(draft: OrderDraft) -> OrderDraft:
    return dataclasses.replace(draft, fingerprint=fingerprint(draft))


def fingerprint(draft: OrderDraft) -> str:
    """SHA-256 of the draft's canonical content (not its row number or cell formatting).

    Instants are compared in UTC and amounts rounded below anything real (a milligram, a
    millilitre, about a centimetre of position), so 1,5 and 1.5 kg, or 09:00 local and
    07:00Z, give the same fingerprint.
    """
    location, address = draft.location, draft.address
    content: dict[str, object] = {
        "reference": draft.reference,
        "shipper": draft.shipper,
        "kind": draft.kind.value,
        "station": draft.station,
        "name": draft.name,
        "company": draft.company,
        "phone": draft.phone,
        "email": draft.email,
        # Address is flat: a shallow copy of its fields, not asdict's deep copy per row.
        "address": {f.name: getattr(address, f.name) for f in dataclasses.fields(address)},
        "location": None if location is None else [round(location.lat, 7), round(location.lon, 7)],
        "service_date": None if draft.service_date is None else draft.service_date.isoformat(),
        "time_windows": [
            [w.start_at.astimezone(UTC).isoformat(), w.end_at.astimezone(UTC).isoformat()]
            for w in draft.time_windows
        ],
        "service_duration_s": draft.service_duration_s,
        "parcels": [
            [p.barcode, round(p.weight_kg, 6), round(p.volume_l, 6)] for p in draft.parcels
        ],
        "priority": draft.priority.value,
        "proof": [draft.proof.kind.value, draft.proof.minimum_age_years],
        "notes": draft.notes,
    }
    if draft.skills:  # only when given, so files without skills keep their fingerprints
        content["skills"] = sorted(draft.skills)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
