"""Cell values to typed values: numbers, dates, times, windows, durations and order codes.

Every parser takes one non-blank cell as a spreadsheet gives it (CSV: ``str``; .xlsx: ``str``,
``int``, ``float``, ``datetime``, ``date``, ``time``, ``timedelta``, ``bool``) and either returns
a typed value or raises ``CellError`` (an ``InvalidValue``) that says what is wrong and how to
write it instead. Check blanks with ``is_blank`` first: an empty cell means "not given", which
only the caller can judge.

Decisions a person may ask about:

- ``"1,5"`` is 1.5: a single separator is always the decimal one (Finnish and Swedish sheets
  write decimal commas; parcels do not weigh thousands of kilos). Thousands separators are
  read only where unambiguous: ``1 234,5``, ``1.234,5``, ``1,234.5``, ``1,234,567``.
- Slashed dates are day first (``01/02/2026`` is 1 February) unless the column says
  ``(MM/DD/YYYY)``; a date that only makes sense month first is refused, not swapped, because
  swapping only some rows of a file would silently misdate the others.
- A number in a time column is an hour (``9``) or Excel's fraction of a day (``0.375``); other
  numbers such as ``9.3`` are refused, since Excel drops the zero of ``9.30``.
- A bare number in a duration column is minutes unless the header gives another unit.
- Priorities are words (low, normal, high, urgent and synonyms). Numbers are refused: tools
  disagree whether 1 is the highest or the lowest, and a wrong guess inverts a whole file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeAlias

from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import OrderKind, Priority, ProofKind, ProofRequirement
from doorstep.domain.text import without_accents

Clock: TypeAlias = time | datetime
"""A time of day (placed on the row's date later) or a full instant, naive or aware."""


class CellError(InvalidValue):
    """A cell that cannot be read: ``problem`` says what is wrong, ``fix`` how to write it."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        super().__init__(field, f"{problem}; {fix}")
        self.problem = problem
        self.fix = fix


# --- units -----------------------------------------------------------------------------------


class Quantity(StrEnum):
    MASS = "mass"
    VOLUME = "volume"
    TIME = "time"


class Unit(StrEnum):
    """A unit a header or a cell may name; values convert to kg, litres or seconds."""

    KG = "kg"
    G = "g"
    LB = "lb"
    L = "l"
    ML = "ml"
    M3 = "m3"
    S = "s"
    MIN = "min"
    H = "h"

    @property
    def quantity(self) -> Quantity:
        return _UNIT_QUANTITY[self][0]

    @property
    def factor(self) -> float:
        """How many base units (kg, l, s) one of this unit is."""
        return _UNIT_QUANTITY[self][1]


_UNIT_QUANTITY: dict[Unit, tuple[Quantity, float]] = {
    Unit.KG: (Quantity.MASS, 1.0),
    Unit.G: (Quantity.MASS, 0.001),
    Unit.LB: (Quantity.MASS, 0.45359237),
    Unit.L: (Quantity.VOLUME, 1.0),
    Unit.ML: (Quantity.VOLUME, 0.001),
    Unit.M3: (Quantity.VOLUME, 1000.0),
    Unit.S: (Quantity.TIME, 1.0),
    Unit.MIN: (Quantity.TIME, 60.0),
    Unit.H: (Quantity.TIME, 3600.0),
}

_BASE = {Quantity.MASS: "kg", Quantity.VOLUME: "litres", Quantity.TIME: "seconds"}

# Spellings in English, Finnish and Swedish, compared after ``_fold`` (so "m³" is "m3").
_UNIT_WORDS: dict[str, Unit] = {
    **dict.fromkeys(["kg", "kgs", "kilo", "kilos", "kiloa", "kilogram", "kilograms"], Unit.KG),
    **dict.fromkeys(["kilogramma", "kilogrammaa", "kilogramm"], Unit.KG),
    **dict.fromkeys(["g", "gr", "gram", "grams", "gramma", "grammaa", "gramm"], Unit.G),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], Unit.LB),
    **dict.fromkeys(["l", "ltr", "litre", "litres", "liter", "liters", "litra", "litraa"], Unit.L),
    **dict.fromkeys(["dm3", "dm^3"], Unit.L),
    **dict.fromkeys(["ml", "millilitre", "milliliter", "millilitraa", "cm3", "ccm"], Unit.ML),
    **dict.fromkeys(["m3", "m^3", "cbm", "kuutio", "kuutiota", "kubik"], Unit.M3),
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds", "sek", "sekunti"], Unit.S),
    **dict.fromkeys(["sekuntia", "sekund", "sekunder"], Unit.S),
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes", "minuutti", "minuuttia"], Unit.MIN),
    **dict.fromkeys(["minuter", "minut"], Unit.MIN),
    **dict.fromkeys(
        ["h", "hr", "hrs", "hour", "hours", "tunti", "tuntia", "tim", "timmar"], Unit.H
    ),
    **dict.fromkeys(["timme"], Unit.H),
}


def unit_named(text: str) -> Unit | None:
    """The unit ``text`` names ("kg", "Minutes", "m³", "sekuntia"), or None."""
    return _UNIT_WORDS.get(_fold(text).replace(" ", "").rstrip("."))


@dataclass(frozen=True)
class Formats:
    """How one file writes its cells, as learnt from its header."""

    weight: Unit = Unit.KG
    volume: Unit = Unit.L
    duration: Unit = Unit.MIN
    month_first: bool = False  # the date column is headed like "Date (MM/DD/YYYY)"
    pickup_flag: bool = False  # the kind column is a yes/no "Pickup" column (Onfleet)


# --- text ------------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: object, field: str) -> str:
    """One line of text with runs of white space collapsed; numbers lose Excel's ``.0``."""
    if isinstance(value, float) and value.is_integer():
        # Excel stores 1001 or 358401234567 typed into a cell as a float.
        if abs(value) >= 1e15:
            raise CellError(
                field,
                f"{value:.0f} is a long number Excel may have rounded",
                "format the column as text in Excel and type the value again",
            )
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())


def parse_notes(value: object, field: str) -> str:
    """Free text that keeps its line breaks; each line is trimmed, blank lines dropped."""
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    return "\n".join(line for line in lines if line)


# --- numbers ---------------------------------------------------------------------------------

_GROUP_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")  # thin and no-break spaces group digits
_NUMBER_THEN_REST = re.compile(
    r"([+\-\u2212]?[\d.,' \u00a0\u202f\u2009]*\d[\d.,]*|[+-]?[.,]\d+)(.*)"
)


def parse_number(value: object, field: str, *, example: str = "2.5") -> float:
    """A plain number: ``2.5``, ``2,5``, ``1 234,5``, ``1.234,5``, ``1,234.5``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(float(value), field, example)
    text = str(value).strip()
    number, rest = _split_number(text)
    if number is None or rest:
        raise CellError(field, f"'{text}' is not a number", f"write a number like {example}")
    return number


def parse_quantity(value: object, field: str, *, unit: Unit) -> float:
    """A non-negative amount in ``unit`` (from the header), or with its own unit ("500 g").

    Returns base units: kg, litres or seconds.
    """
    example = f"2.5 or 2.5 {unit.value}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = _finite(float(value), field, example) * unit.factor
    else:
        text = str(value).strip()
        number, rest = _split_number(text)
        if number is None:
            raise CellError(field, f"'{text}' is not a number", f"write a number like {example}")
        amount = number * _cell_unit(rest, field, unit).factor
    if amount < 0:
        raise CellError(field, f"{value} is negative", "write 0 or more")
    return amount


def parse_count(value: object, field: str) -> int:
    """A whole number >= 0, optionally followed by a word like "pcs", "kpl" or "st"."""
    if isinstance(value, str):
        number, rest = _split_number(value.strip())
        if number is None or _fold(rest).rstrip(".") not in _COUNT_WORDS:
            raise CellError(field, f"'{value.strip()}' is not a count", "write a number like 3")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(float(value), field, "3")
    else:
        raise CellError(field, f"'{value}' is not a count", "write a number like 3")
    if not number.is_integer() or number < 0:
        raise CellError(field, f"{value} is not a whole number", "write a number like 3")
    return int(number)


_COUNT_WORDS = frozenset(
    ["", "pcs", "pc", "pieces", "items", "x", "kpl", "st", "stk", "kollia", "kolli", "paket"]
)


def _finite(number: float, field: str, example: str) -> float:
    if not math.isfinite(number):
        raise CellError(field, f"{number} is not a number", f"write a number like {example}")
    return number


def _split_number(text: str) -> tuple[float | None, str]:
    """The number at the start of ``text`` and what follows it (a unit, or junk)."""
    match = _NUMBER_THEN_REST.fullmatch(text)
    if match is None:
        return None, text
    return _decimal(match.group(1).strip()), match.group(2).strip()


def _decimal(text: str) -> float | None:
    sign = -1.0 if text[:1] in ("-", "\u2212") else 1.0
    digits = text.lstrip("+-\u2212")
    if _GROUP_SPACES.search(digits) or "'" in digits:
        grouped = _GROUP_SPACES.sub(" ", digits).replace("'", " ")
        if not re.fullmatch(r"\d{1,3}( \d{3})+([.,]\d+)?", grouped):
            return None
        digits = grouped.replace(" ", "")
    separators = [char for char in digits if char in ".,"]
    if len(set(separators)) == 2:
        decimal, thousands = separators[-1], separators[0]
        pattern = rf"\d{{1,3}}(\{thousands}\d{{3}})*\{decimal}\d+"
        if separators.count(decimal) != 1 or not re.fullmatch(pattern, digits):
            return None
        digits = digits.replace(thousands, "").replace(decimal, ".")
    elif len(separators) > 1:
        if not re.fullmatch(rf"\d{{1,3}}(\{separators[0]}\d{{3}})+", digits):
            return None
        digits = digits.replace(separators[0], "")
    else:
        digits = digits.replace(",", ".")
    try:
        number = sign * float(digits)
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # 400 digits make float("inf")


def _cell_unit(text: str, field: str, default: Unit) -> Unit:
    if not text:
        return default
    unit = unit_named(text)
    if unit is None:
        raise CellError(
            field,
            f"'{text}' is not a unit doorstep knows",
            f"write a number like 2.5 (in {default.value}) or 2.5 {default.value}",
        )
    if unit.quantity is not default.quantity:
        raise CellError(
            field,
            f"'{text}' is not a unit of {default.quantity.value}",
            f"write a number like 2.5 (in {default.value}) or 2.5 {default.value}",
        )
    return unit


# --- dates -----------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?")
_YEAR_FIRST = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EXCEL_EPOCH_END = date(1900, 1, 1)  # Excel shows a time-only value on its epoch 1899-12-30
_DATE_FIX = "write the date as 2026-11-21 or 21.11.2026"


def parse_date(value: object, field: str, *, month_first: bool = False) -> date:
    """``2026-11-21``, ``21.11.2026``, ``21/11/2026``, ``2026/11/21``, ``20261121``, a date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time | timedelta):
        raise CellError(field, f"{value} is a time, not a date", _DATE_FIX)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _numeric_date(value, field)
    text = str(value).strip()
    found = _text_date(text, field, month_first)
    if found is None:
        raise CellError(field, f"'{text}' is not a date", _DATE_FIX)
    return found


def _numeric_date(value: float, field: str) -> date:
    if float(value).is_integer() and (match := _COMPACT_DATE.fullmatch(str(int(value)))):
        return _valid_date(match[0], field, int(match[1]), int(match[2]), int(match[3]), False)
    if 1 <= value < 2_958_466:
        raise CellError(
            field,
            f"{value} looks like an Excel date serial number",
            "format the column as a date in Excel, or " + _DATE_FIX,
        )
    raise CellError(field, f"{value} is not a date", _DATE_FIX)


def _text_date(text: str, field: str, month_first: bool) -> date | None:
    """The date ``text`` writes, None if it is not date-shaped; raises if shaped but invalid."""
    if match := _YEAR_FIRST.fullmatch(text):
        return _valid_date(text, field, int(match[1]), int(match[3]), int(match[4]), False)
    if match := _COMPACT_DATE.fullmatch(text):
        return _valid_date(text, field, int(match[1]), int(match[2]), int(match[3]), False)
    if match := _DAY_FIRST.fullmatch(text):
        first, second = int(match[1]), int(match[3])
        year = int(match[4]) + (2000 if len(match[4]) == 2 else 0)
        # Dots are always day first; only slashes and dashes follow the column's order.
        swap = month_first and match[2] != "."
        day, month = (second, first) if swap else (first, second)
        return _valid_date(text, field, year, month, day, match[2] != "." and not swap)
    if "T" in text or " " in text:
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            return None
    return None


def _valid_date(text: str, field: str, year: int, month: int, day: int, slashed: bool) -> date:
    try:
        return date(year, month, day)
    except ValueError as error:
        fix = _DATE_FIX
        if slashed and month > 12 >= day:
            fix = (
                "dates with / or - are read day first (21/11/2026); for month-first dates head "
                "the column 'Date (MM/DD/YYYY)', or " + _DATE_FIX
            )
        raise CellError(field, f"'{text}' is not a date ({error})", fix) from None


# --- times of day and instants ---------------------------------------------------------------

_CLOCK = re.compile(
    r"(?:(?:klo|kl)\.?\s*)?(\d{1,2})(?:[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:([ap])\.?\s*m\.?)?",
    re.IGNORECASE,
)
_TIME_FIX = "write a time like 9:00, 09.30, 14:30 or 2pm"


def parse_clock(value: object, field: str, *, month_first: bool = False) -> Clock:
    """A time of day (``9``, ``9:00``, ``09.00``, ``9am``, ``14:30:00``, a time cell) or an
    instant (``2026-11-21T09:00+02:00``, ``21.11.2026 9:00``, a date-and-time cell)."""
    if isinstance(value, datetime):
        return value.time() if value.date() <= _EXCEL_EPOCH_END else value
    if isinstance(value, time):
        return value
    if isinstance(value, date):
        raise CellError(field, f"{value} is a date without a time", _TIME_FIX)
    if isinstance(value, timedelta):
        return _clock_from_seconds(value.total_seconds(), field, str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _numeric_clock(float(value), field)
    text = str(value).strip()
    return _text_clock(text, field, month_first)


def _numeric_clock(value: float, field: str) -> time:
    if value.is_integer() and 0 <= value <= 23:
        return time(int(value))
    if 0 < value < 1:  # Excel's fraction of a day in a cell not formatted as time
        return _clock_from_seconds(value * 86_400, field, str(value))
    raise CellError(field, f"the number {value} is not a clear time of day", _TIME_FIX)


def _clock_from_seconds(seconds: float, field: str, shown: str) -> time:
    whole = round(seconds)
    if not 0 <= whole < 86_400:
        raise CellError(field, f"{shown} is not a time of day", _TIME_FIX)
    return time(whole // 3600, whole % 3600 // 60, whole % 60)


def _text_clock(text: str, field: str, month_first: bool) -> Clock:
    if match := _CLOCK.fullmatch(text):
        return _valid_clock(text, field, match)
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        try:
            instant = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            instant = None
        if instant is not None and ("T" in text or " " in text):
            return instant
    parts = text.split(None, 1)
    if len(parts) == 2:
        day = _text_date(parts[0], field, month_first)
        clock = _CLOCK.fullmatch(parts[1])
        if day is not None and clock is not None:
            return datetime.combine(day, _valid_clock(text, field, clock))
    raise CellError(field, f"'{text}' is not a time", _TIME_FIX)


def _valid_clock(text: str, field: str, match: re.Match[str]) -> time:
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    meridiem = (match[4] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise CellError(field, f"'{text}': {hour} is not an hour on a 12-hour clock", _TIME_FIX)
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour == 24 and minute == second == 0:
        raise CellError(
            field,
            f"'{text}': 24:00 is not a time of day",
            "write 23:59, or 00:00 with the next date",
        )
    if hour > 23 or minute > 59 or second > 59:
        raise CellError(field, f"'{text}' is not a time of day", _TIME_FIX)
    return time(hour, minute, second)


# --- windows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A window as written: each end a time of day or an instant; dates are added later."""

    start: Clock
    end: Clock


_RANGE_SEPARATORS = ("/", "\u2013", "\u2014", " - ", " to ", " till ", "..", "-")
_LIST_SEPARATORS = re.compile(r"\s*(?:[;,\n|]|\band\b|\bja\b|\boch\b)\s*", re.IGNORECASE)
_WINDOW_FIX = (
    "write a window like 09:00-12:00, 9-12 or 2026-11-21T09:00+02:00/2026-11-21T12:00+02:00"
)


def parse_window(value: object, field: str, *, month_first: bool = False) -> Span:
    """``09:00-12:00``, ``9-12``, the same with an en or em dash, ``9am to 12pm``, or an ISO
    interval ``start/end``."""
    text = str(value).strip()
    for separator in _RANGE_SEPARATORS:
        parts = text.split(separator)
        if len(parts) == 2 and all(part.strip() for part in parts):
            try:
                start = parse_clock(parts[0].strip(), field, month_first=month_first)
                end = parse_clock(parts[1].strip(), field, month_first=month_first)
            except CellError:
                continue  # "2026-11-21 9:00 - 12:00" must not split at the date's dashes
            return Span(start, end)
    raise CellError(field, f"'{text}' is not a time window", _WINDOW_FIX)


def parse_windows(value: object, field: str, *, month_first: bool = False) -> tuple[Span, ...]:
    """Several windows in one cell: ``09:00-12:00; 16:00-18:00`` (also , | or new lines)."""
    parts = [part for part in _LIST_SEPARATORS.split(str(value).strip()) if part]
    if not parts:
        raise CellError(field, "no time window given", _WINDOW_FIX)
    return tuple(parse_window(part, field, month_first=month_first) for part in parts)


# --- durations -------------------------------------------------------------------------------

_HMS = re.compile(r"(\d+):(\d{2})(?::(\d{2}))?")
_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", re.IGNORECASE)


def parse_duration(value: object, field: str, *, unit: Unit = Unit.MIN) -> int:
    """Whole seconds from ``5`` (in ``unit``), ``5 min``, ``300 s``, ``00:05:00``, ``0:05``
    (hours:minutes), ``PT5M``, or an Excel time or duration cell."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, datetime) and value.date() <= _EXCEL_EPOCH_END:
        seconds = (value - datetime.combine(date(1899, 12, 30), time())).total_seconds()
    elif isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, datetime | date):
        raise CellError(field, f"{value} is a date, not a duration", "write minutes like 5")
    else:
        seconds = _text_duration(value, field, unit)
    if seconds < 0:
        raise CellError(field, f"{value} is negative", "write 0 or more")
    return round(seconds)


def _text_duration(value: object, field: str, unit: Unit) -> float:
    text = str(value).strip()
    if match := _HMS.fullmatch(text):
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        if minutes > 59 or seconds > 59:
            raise CellError(field, f"'{text}' is not a duration", "write 0:05 or 00:05:00")
        return hours * 3600 + minutes * 60 + seconds
    if (match := _ISO_DURATION.fullmatch(text)) and any(match.groups()):
        return int(match[1] or 0) * 3600 + int(match[2] or 0) * 60 + float(match[3] or 0)
    return parse_quantity(value, field, unit=unit)


# --- order codes -----------------------------------------------------------------------------

_PRIORITIES: dict[str, Priority] = {
    **dict.fromkeys(["low", "l", "lowest", "matala", "alhainen", "ei kiire", "lag"], Priority.LOW),
    **dict.fromkeys(
        ["normal", "n", "medium", "m", "regular", "standard", "default", "normaali"],
        Priority.NORMAL,
    ),
    **dict.fromkeys(["tavallinen", "keskitaso", "perus", "medel", "vanlig"], Priority.NORMAL),
    **dict.fromkeys(["high", "h", "korkea", "tarkea", "hog", "viktig"], Priority.HIGH),
    **dict.fromkeys(
        ["urgent", "u", "c", "critical", "highest", "asap", "kiireellinen"], Priority.URGENT
    ),
    **dict.fromkeys(["kiire", "kiireinen", "bradskande", "akut"], Priority.URGENT),
}

_KINDS: dict[str, OrderKind] = {
    **dict.fromkeys(
        ["delivery", "d", "deliver", "drop", "dropoff", "drop off", "drop-off"], OrderKind.DELIVERY
    ),
    **dict.fromkeys(
        ["toimitus", "jakelu", "leverans", "utlamning", "utkorning"], OrderKind.DELIVERY
    ),
    **dict.fromkeys(
        ["pickup", "p", "pick up", "pick-up", "collection", "collect", "return"], OrderKind.PICKUP
    ),
    **dict.fromkeys(["nouto", "palautus", "hamtning", "upphamtning", "retur"], OrderKind.PICKUP),
}
_YES = frozenset(["yes", "y", "true", "1", "x", "kylla", "k", "ja", "j", "sant"])
_NO = frozenset(["no", "n", "false", "0", "ei", "e", "nej", "falskt", "-"])

_PROOFS: dict[str, ProofKind] = {
    **dict.fromkeys(["none", "no", "-", "ei", "nej", "ingen", "not required"], ProofKind.NONE),
    **dict.fromkeys(
        ["signature", "sign", "signed", "allekirjoitus", "kuittaus"], ProofKind.SIGNATURE
    ),
    **dict.fromkeys(["underskrift", "signatur", "kvittens"], ProofKind.SIGNATURE),
    **dict.fromkeys(
        ["photo", "picture", "image", "kuva", "valokuva", "foto", "bild"], ProofKind.PHOTO
    ),
    **dict.fromkeys(
        ["pin", "pin code", "code", "koodi", "pin-koodi", "pinkoodi", "kod", "pinkod"],
        ProofKind.PIN,
    ),
}
_MINIMUM_AGE = re.compile(
    r"(?:age|min age|minimum age|ikaraja|ika|k|alder|aldersgrans|id)?\s*-?\s*(\d{1,2})\s*\+?"
)


_SKILL_SPLIT = re.compile(r"[,;|\n]+")
_SKILL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def parse_skills(value: object, field: str) -> frozenset[str]:
    """Skill names separated by , ; or |, as the fleet names them: "Refrigerated; lift gate"
    reads as refrigerated and lift_gate."""
    names = {
        "_".join(_fold(part).split()) for part in _SKILL_SPLIT.split(str(value)) if part.strip()
    }
    bad = sorted(n for n in names if not _SKILL_NAME.match(n))
    if bad:
        raise CellError(
            field,
            f"{', '.join(repr(b) for b in bad)} is not a skill name",
            "use letters, digits, '_' or '-' (e.g. refrigerated, lift_gate), separated by commas",
        )
    return frozenset(names)


def parse_priority(value: object, field: str) -> Priority:
    """low, normal, high, urgent; also medium, critical, OptimoRoute's L/M/H/C, fi and sv words."""
    key = _fold(str(value))
    if key in _PRIORITIES:
        return _PRIORITIES[key]
    fix = "write low, normal, high or urgent"
    if re.fullmatch(r"\d+", key):
        fix += " (numbers are not read: tools disagree whether 1 is the highest or the lowest)"
    raise CellError(field, f"'{str(value).strip()}' is not a priority", fix)


def parse_kind(value: object, field: str, *, pickup_flag: bool = False) -> OrderKind:
    """delivery or pickup (also D/P, return, nouto, hämtning); with ``pickup_flag`` a yes/no."""
    if isinstance(value, bool) or pickup_flag:
        return _pickup_flag(value, field)
    key = _fold(str(value))
    if key in _KINDS:
        return _KINDS[key]
    raise CellError(
        field, f"'{str(value).strip()}' is not an order type", "write delivery or pickup"
    )


def _pickup_flag(value: object, field: str) -> OrderKind:
    if isinstance(value, bool):
        return OrderKind.PICKUP if value else OrderKind.DELIVERY
    key = _fold(parse_text(value, field))
    if key in _YES:
        return OrderKind.PICKUP
    if key in _NO:
        return OrderKind.DELIVERY
    raise CellError(field, f"'{str(value).strip()}' is not yes or no", "write yes for a pickup")


def parse_proof(value: object, field: str) -> ProofRequirement:
    """signature, photo, pin, none, or a minimum age: ``18+``, ``K18``, ``age 18``, ``18``."""
    key = _fold(parse_text(value, field))
    if key in _PROOFS:
        return ProofRequirement(_PROOFS[key])
    if match := _MINIMUM_AGE.fullmatch(key):
        years = int(match[1])
        if 1 <= years <= 99:
            return ProofRequirement(ProofKind.MINIMUM_AGE, minimum_age_years=years)
    raise CellError(
        field,
        f"'{str(value).strip()}' is not a proof of delivery",
        "write signature, photo, pin, none, or a minimum age like 18+",
    )


_COUNTRIES: dict[str, str] = {
    **dict.fromkeys(["finland", "suomi", "fin"], "FI"),
    **dict.fromkeys(["sweden", "ruotsi", "sverige", "swe"], "SE"),
    **dict.fromkeys(["norway", "norja", "norge", "nor"], "NO"),
    **dict.fromkeys(["denmark", "tanska", "danmark", "dnk"], "DK"),
    **dict.fromkeys(["estonia", "viro", "eesti", "estland", "est"], "EE"),
    **dict.fromkeys(["germany", "saksa", "tyskland", "deutschland", "deu"], "DE"),
}


def parse_country(value: object, field: str) -> str:
    """An ISO 3166 alpha-2 code: ``FI``, ``fi``, or a Nordic name such as Suomi or Sverige."""
    key = _fold(str(value))
    if re.fullmatch(r"[a-z]{2}", key):
        return key.upper()
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    raise CellError(
        field,
        f"'{str(value).strip()}' is not a country doorstep knows",
        "write a code like FI or SE",
    )


_BARCODE = re.compile(r"[\x21-\x7e]{1,64}")  # the domain's rule for Parcel.barcode
_BARCODE_SPLIT = re.compile(r"[;,\s]+")


def parse_barcodes(value: object, field: str) -> tuple[str, ...]:
    """One or several barcodes, separated by ``;``, ``,`` or white space."""
    codes = [code for code in _BARCODE_SPLIT.split(parse_text(value, field)) if code]
    for code in codes:
        if not _BARCODE.fullmatch(code):
            raise CellError(
                field,
                f"barcode '{code}' is not 1-64 printable ASCII characters",
                "use letters, digits and punctuation only, without spaces",
            )
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise CellError(
            field,
            f"barcode {', '.join(repeated)} is given twice",
            "list each parcel's barcode once",
        )
    return tuple(codes)


def _fold(text: str) -> str:
    """Lower case without accents and with single spaces: "  Hög " -> "hog"."""
    return " ".join(without_accents(text).replace("_", " ").split())
