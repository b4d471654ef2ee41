"""Carriers from spreadsheet rows: one carrier per row.

``read_carriers(rows)`` takes ``(row number, {header: cell})`` pairs, as
``doorstep.adapters.spreadsheets`` yields them (this module reads no files), and returns
``CarrierDraft``s in file order. As with ``rate_card_file``, every mistake is collected, each
naming its row, its column and the fix, and raised together as ``CarrierFileInvalid``: a file
with any error loads no carrier.

The columns (headers matched without regard to case, spaces, '-' or '_'):

- ``code`` (required): 1-40 lower-case letters, digits, '-' or '_', e.g. kaupunkikuriiri; the
  rate card file names carriers by it. Once per file.
- ``name`` (required): what people call it.
- ``kind`` (required): ``own_fleet`` (the organisation's vans, priced by the planner) or
  ``partner`` (priced by its rate cards).
- ``service_levels`` (required): ``same_day``, ``next_day`` and/or ``scheduled``, separated by
  spaces, commas, ';' or '|'.
- ``postcodes``: postcode prefixes it covers (``001 002``); ``polygon``: one area as vertices
  ``lat lon`` separated by '|' or ';' (``60.15 24.90 | 60.15 25.00 | 60.25 25.00``; in a file
  separated by ';', use '|' or quote the cell). At least one of the two: a carrier without an
  area covers nothing.
- ``capacity_per_day`` (parcels), ``max_weight_kg`` and ``max_side_cm`` (per parcel): blank
  for no limit.
- ``handles``: the order tags it accepts beyond plain parcels (``refrigerated``, ``lift_gate``,
  ``adr``, ``age_check``), separated by commas, ';' or '|'.
- ``cutoff`` and ``deliver_by``: local times of its same-day and next-day promise (booked by
  the cutoff, delivered by ``deliver_by`` that day or the next working day); required when it
  offers same_day or next_day, blank otherwise. ``scheduled`` follows the order's window.
- ``proofs``: the proofs of delivery a partner captures and sends with its delivered event:
  ``signature`` (drawn, with the recipient's name), ``photo`` and/or ``pin``, separated by
  spaces, commas, ';' or '|'; blank: none, so orders asking for a proof stay with the own
  fleet. A minimum-age check is the ``age_check`` tag under ``handles``.
- ``active``: yes/no, default yes.

Example::

    code;name;kind;service_levels;postcodes;capacity_per_day;max_weight_kg;handles;cutoff;deliver_by;proofs
    kaupunkikuriiri;Kaupunkikuriiri;partner;same_day;00;40;20;age_check;14:00;21:00;signature photo
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import TypeVar

from doorstep.domain.carriers import CarrierKind, Coverage, Polygon, ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.orders import ProofKind
from doorstep.services.carriers.cells import (
    FileInvalid,
    Problem,
    carrier_code,
    header,
    postcode_prefixes,
)
from doorstep.services.intake.values import (
    CellError,
    is_blank,
    parse_clock,
    parse_count,
    parse_number,
    parse_skills,
    parse_text,
)

T = TypeVar("T")
_Parser = Callable[[object, str], T]

COLUMNS = (
    "code",
    "name",
    "kind",
    "service_levels",
    "postcodes",
    "polygon",
    "capacity_per_day",
    "max_weight_kg",
    "max_side_cm",
    "handles",
    "cutoff",
    "deliver_by",
    "active",
    "proofs",
)
_SPLIT = re.compile(r"[\s,;|]+")
_VERTICES = re.compile(r"[;|\n]+")
_LEVELS: dict[str, ServiceLevel] = {
    **dict.fromkeys(["same_day", "sameday", "same"], ServiceLevel.SAME_DAY),
    **dict.fromkeys(["next_day", "nextday", "next"], ServiceLevel.NEXT_DAY),
    **dict.fromkeys(["scheduled", "window", "timed"], ServiceLevel.SCHEDULED),
}
_YES = {"yes", "y", "true", "1", "kyllä", "k", "ja", "x"}
_NO = {"no", "n", "false", "0", "ei", "nej"}


@dataclass(frozen=True)
class CarrierDraft:
    """A carrier as a row describes it; the registry gives it an id and the organisation."""

    row: int
    code: str
    name: str
    kind: CarrierKind
    service_levels: frozenset[ServiceLevel]
    coverage: Coverage
    capacity_per_day: int | None
    max_weight_kg: float | None
    max_side_cm: float | None
    handles: frozenset[str]
    cutoff: time | None
    deliver_by: time | None
    active: bool
    proofs: frozenset[ProofKind] = frozenset()


class CarrierFileInvalid(FileInvalid):
    """The rows hold mistakes; ``problems`` lists every one, in row order. No carrier is loaded."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__("carriers", "carrier", "carrier", COLUMNS, problems)


def read_carriers(rows: Iterable[tuple[int, Mapping[str, object]]]) -> list[CarrierDraft]:
    """The carriers the rows describe, in file order; see the module docstring.

    Raises ``CarrierFileInvalid`` with every mistake found when any row is wrong.
    """
    problems: list[Problem] = []
    found: list[CarrierDraft] = []
    seen: dict[str, int] = {}
    unknown: set[str] = set()
    for number, raw in rows:
        cells = {header(name): value for name, value in raw.items()}
        for name, value in raw.items():
            key = header(name)
            if key and key not in COLUMNS and key not in unknown and not is_blank(value):
                unknown.add(key)
                problems.append(
                    Problem(
                        number,
                        str(name).strip(),
                        f"'{str(name).strip()}' is not a carrier column",
                        "rename it to one of " + ", ".join(COLUMNS) + ", or remove the column",
                    )
                )
        if all(is_blank(value) for value in cells.values()):
            continue
        row = _Row(number, cells, problems)
        draft = row.carrier()
        if draft is None:
            continue
        if draft.code in seen:
            problems.append(
                Problem(
                    number,
                    "code",
                    f"carrier {draft.code} is on row {seen[draft.code]} already",
                    "keep one row per carrier",
                )
            )
            continue
        seen[draft.code] = number
        found.append(draft)
    if not found and not problems:
        problems.append(Problem(1, "code", "the file holds no carriers", "add one row per carrier"))
    if problems:
        raise CarrierFileInvalid(problems)
    return found


class _Row:
    def __init__(self, number: int, cells: dict[str, object], problems: list[Problem]) -> None:
        self.number = number
        self.cells = cells
        self.problems = problems
        self.failed = False

    def note(self, column: str, problem: str, fix: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.number, column, problem, fix))

    def required(self, column: str, parse: _Parser[T], fix: str) -> T | None:
        if is_blank(self.cells.get(column)):
            self.note(column, "the cell is empty", fix)
            return None
        return self.optional(column, parse)

    def optional(self, column: str, parse: _Parser[T]) -> T | None:
        value = self.cells.get(column)
        if is_blank(value):
            return None
        try:
            return parse(value, column)
        except CellError as error:
            self.note(column, error.problem, error.fix)
            return None

    def carrier(self) -> CarrierDraft | None:
        code = self.required("code", carrier_code, "write the carrier's code, e.g. kaupunkikuriiri")
        name = self.required("name", _name, "write the carrier's name, e.g. Kaupunkikuriiri Oy")
        kind = self.required("kind", _kind, "write own_fleet or partner")
        levels = self.required(
            "service_levels", _levels, "write same_day, next_day and/or scheduled"
        )
        prefixes = self.optional("postcodes", postcode_prefixes) or frozenset()
        polygon = self.optional("polygon", _polygon)
        capacity = self.optional("capacity_per_day", _capacity)
        weight = self.optional("max_weight_kg", _limit)
        side = self.optional("max_side_cm", _limit)
        handles = self.optional("handles", parse_skills) or frozenset()
        cutoff = self.optional("cutoff", _time)
        deliver_by = self.optional("deliver_by", _time)
        active = self.optional("active", _yes_no)
        proofs = self.optional("proofs", _proofs) or frozenset()
        if proofs and kind is CarrierKind.OWN_FLEET:
            self.note(
                "proofs",
                "the own fleet's drivers capture every proof already",
                "leave proofs blank for the own fleet",
            )
        if (
            not prefixes
            and polygon is None
            and not {"postcodes", "polygon"} & {p.column for p in self._mine()}
        ):
            self.note(
                "postcodes",
                "the carrier has no coverage area",
                "write the postcode prefixes it covers (e.g. 001 002) or a polygon",
            )
        if levels:
            self._promise(levels, cutoff, deliver_by)
        if self.failed:
            return None
        assert code is not None
        assert name is not None
        assert kind is not None
        assert levels
        return CarrierDraft(
            self.number,
            code,
            name,
            kind,
            levels,
            Coverage(prefixes, (polygon,) if polygon is not None else ()),
            capacity,
            weight,
            side,
            handles,
            cutoff,
            deliver_by,
            True if active is None else active,
            proofs,
        )

    def _mine(self) -> list[Problem]:
        return [p for p in self.problems if p.row == self.number]

    def _promise(
        self, levels: frozenset[ServiceLevel], cutoff: time | None, deliver_by: time | None
    ) -> None:
        dated = sorted(level.value for level in levels if level is not ServiceLevel.SCHEDULED)
        failed = {p.column for p in self._mine()}
        if not dated:
            for column, value in (("cutoff", cutoff), ("deliver_by", deliver_by)):
                if value is not None:
                    self.note(
                        column,
                        f"{column} is not used by a scheduled-only carrier",
                        "leave it blank: scheduled delivery follows the order's window",
                    )
            return
        for column, value, example in (
            ("cutoff", cutoff, "14:00"),
            ("deliver_by", deliver_by, "21:00"),
        ):
            if value is None and column not in failed:
                self.note(
                    column,
                    f"a carrier offering {' and '.join(dated)} needs a {column} time",
                    f"write the local time, e.g. {example}",
                )
        if (
            cutoff is not None
            and deliver_by is not None
            and ServiceLevel.SAME_DAY in levels
            and deliver_by <= cutoff
        ):
            self.note(
                "deliver_by",
                f"same-day delivery by {deliver_by.isoformat('minutes')} is not after the "
                f"cutoff {cutoff.isoformat('minutes')}",
                "write a deliver_by later than the cutoff",
            )


def _name(value: object, column: str) -> str:
    name = parse_text(value, column)
    if len(name) > 100:
        raise CellError(column, "the name is longer than 100 characters", "shorten it")
    return name


def _kind(value: object, column: str) -> CarrierKind:
    word = "_".join(parse_text(value, column).lower().replace("-", " ").split())
    aliases = {"own": "own_fleet", "fleet": "own_fleet", "own_vans": "own_fleet"}
    try:
        return CarrierKind(aliases.get(word, word))
    except ValueError:
        raise CellError(
            column, f"'{word}' is not a kind of carrier", "write own_fleet or partner"
        ) from None


def _levels(value: object, column: str) -> frozenset[ServiceLevel]:
    levels = set()
    for part in _SPLIT.split(parse_text(value, column).lower().replace("-", "_")):
        if not part:
            continue
        if part not in _LEVELS:
            raise CellError(
                column, f"'{part}' is not a service level", "write same_day, next_day or scheduled"
            )
        levels.add(_LEVELS[part])
    if not levels:
        raise CellError(column, "no service level", "write same_day, next_day or scheduled")
    return frozenset(levels)


def _polygon(value: object, column: str) -> Polygon:
    fix = "write vertices as 'lat lon' separated by ';', e.g. 60.15 24.90; 60.15 25.00; 60.25 25.00"
    vertices: list[tuple[float, float]] = []
    for part in _VERTICES.split(str(value)):
        text = part.strip()
        if not text:
            continue
        numbers = text.split()
        if len(numbers) == 1 and text.count(",") == 1 and "." in text:
            numbers = text.split(",")  # 60.15,24.90
        numbers = [n.strip().rstrip(",") for n in numbers]
        if len(numbers) != 2:
            raise CellError(column, f"'{text}' is not a vertex", fix)
        lat, lon = (parse_number(n, column, example="60.15") for n in numbers)
        try:
            Location(lat, lon)
        except InvalidValue:
            raise CellError(column, f"'{text}' is not a latitude and longitude", fix) from None
        vertices.append((lat, lon))
    if len(vertices) < 3:
        raise CellError(
            column, f"the polygon has {len(vertices)} vertices; it needs 3 or more", fix
        )
    return tuple(vertices)


def _capacity(value: object, column: str) -> int:
    count = parse_count(value, column)
    if count <= 0:
        raise CellError(
            column, f"{count} parcels a day is no capacity", "write e.g. 40, or leave blank"
        )
    return count


def _limit(value: object, column: str) -> float:
    number = parse_number(value, column, example="30")
    if number <= 0:
        raise CellError(column, f"{value} is not a limit", "write a number above 0, or leave blank")
    return number


def _time(value: object, column: str) -> time:
    found = parse_clock(value, column)
    if not isinstance(found, time):
        raise CellError(column, f"'{value}' is an instant, not a time of day", "write e.g. 14:00")
    return found


_PROOFS: dict[str, ProofKind] = {
    **dict.fromkeys(["signature", "sign", "signed"], ProofKind.SIGNATURE),
    **dict.fromkeys(["photo", "picture", "image"], ProofKind.PHOTO),
    **dict.fromkeys(["pin", "code"], ProofKind.PIN),
}


def _proofs(value: object, column: str) -> frozenset[ProofKind]:
    fix = "write signature, photo and/or pin, e.g. signature photo"
    found = set()
    for part in _SPLIT.split(parse_text(value, column).lower()):
        if not part:
            continue
        if part in ("name", "recipient_name"):
            raise CellError(
                column,
                "'name' is not a proof of its own: a signature always comes with the "
                "recipient's name",
                fix,
            )
        if part in ("age_check", "minimum_age", "age", "id"):
            raise CellError(
                column,
                f"'{part}' is not a proof listed here: an age check is a tag",
                "write age_check under handles instead",
            )
        if part not in _PROOFS:
            raise CellError(column, f"'{part}' is not a proof a carrier captures", fix)
        found.add(_PROOFS[part])
    return frozenset(found)


def _yes_no(value: object, column: str) -> bool:
    word = parse_text(value, column).lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(column, f"'{word}' is neither yes nor no", "write yes or no")
