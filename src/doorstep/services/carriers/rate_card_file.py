"""Rate cards from spreadsheet rows: one long table, one fact per row.

``read_rate_cards(rows)`` takes ``(row number, {header: cell})`` pairs, as
``doorstep.adapters.spreadsheets`` yields them (this module reads no files), and returns the
cards by (carrier code, service level). Every mistake in the file is collected, each naming
its row, its column and the fix, and then raised together as ``RateCardFileInvalid``: a file
with any error loads no card at all, since a card missing a surcharge or a zone would quote
wrong prices without anyone noticing.

The columns (headers are matched without regard to case, spaces, '-' or '_'; columns no row
uses may be left out of the file, and a cell a row does not use must stay blank):

- ``row``: what the row states: ``card``, ``zone``, ``break``, ``surcharge`` or ``minimum``.
- ``carrier``: the carrier's code, e.g. kaupunkikuriiri; ``service_level``: same_day,
  next_day or scheduled. Every row names both: they say which card the row belongs to.
- card rows: ``currency`` (ISO 4217, e.g. EUR) and optionally ``volumetric_divisor``
  (cm3 per kg, default 5000). Exactly one per carrier and service level.
- zone rows: ``zone`` (its name, e.g. 1 or city) and either ``postcodes`` (prefixes separated
  by spaces, commas or ';', e.g. ``001 002``; the longest matching prefix wins) or ``from_km``
  and ``to_km`` (a band [from, to) of distance from the station; a blank ``to_km`` has no
  upper end). A card's zones are all by postcode or all by distance. Optionally ``per_kg``:
  the price of each started kg above the zone's last break; blank, heavier shipments are
  refused.
- break rows: ``zone``, ``up_to_kg`` (chargeable weight up to and including; ``500 g`` also
  reads) and ``price``. Breaks may come in any order, also before their zone row.
- surcharge rows: ``surcharge`` and what it needs: ``remote_area`` with ``postcodes`` and
  ``price`` (per shipment); ``bulky`` with ``price`` (per parcel) and ``side_over_cm``,
  ``weight_over_kg`` or both; ``extra_parcel`` with ``price`` (per parcel beyond the first);
  ``fuel`` with ``percent`` (of base plus the other surcharges, e.g. 12.5). One row each.
- minimum rows: ``price``, the least a shipment costs, fuel included. At most one.

Money is written in the currency's units with at most two decimals (``6.90``, ``6,90``,
``1 234,50``) and stored as cents; a single comma is always the decimal one, as in
``services.intake.values``. Rows may come in any order; blank rows are skipped.

Example::

    row,carrier,service_level,currency,zone,postcodes,up_to_kg,price,per_kg,surcharge,percent
    card,kaupunkikuriiri,next_day,EUR,,,,,,,
    zone,kaupunkikuriiri,next_day,,1,001 002,,,"0,45",,
    break,kaupunkikuriiri,next_day,,1,,2,"6,90",,,
    break,kaupunkikuriiri,next_day,,1,,5,"8,90",,,
    surcharge,kaupunkikuriiri,next_day,,,,,,,fuel,"12,5"
    minimum,kaupunkikuriiri,next_day,,,,,"9,90",,,
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.rates import (
    DEFAULT_VOLUMETRIC_DIVISOR,
    Bulky,
    RateCard,
    RemoteArea,
    WeightBreak,
    Zone,
    exact,
    show_kg,
)
from doorstep.services.carriers.cells import (
    FileInvalid,
    Problem,
    carrier_code,
    header,
    postcode_prefixes,
)
from doorstep.services.intake.values import (
    CellError,
    Unit,
    is_blank,
    parse_number,
    parse_quantity,
    parse_text,
)

RateCards = dict[tuple[str, ServiceLevel], RateCard]
T = TypeVar("T")
_Parser = Callable[[object, str], T]


class RowKind(StrEnum):
    CARD = "card"
    ZONE = "zone"
    BREAK = "break"
    SURCHARGE = "surcharge"
    MINIMUM = "minimum"


class SurchargeKind(StrEnum):
    REMOTE_AREA = "remote_area"
    BULKY = "bulky"
    EXTRA_PARCEL = "extra_parcel"
    FUEL = "fuel"


COLUMNS = (
    "row",
    "carrier",
    "service_level",
    "currency",
    "volumetric_divisor",
    "zone",
    "postcodes",
    "from_km",
    "to_km",
    "per_kg",
    "up_to_kg",
    "price",
    "surcharge",
    "percent",
    "side_over_cm",
    "weight_over_kg",
)
_COMMON = frozenset({"row", "carrier", "service_level"})
_USED: dict[RowKind, frozenset[str]] = {
    RowKind.CARD: frozenset({"currency", "volumetric_divisor"}),
    RowKind.ZONE: frozenset({"zone", "postcodes", "from_km", "to_km", "per_kg"}),
    RowKind.BREAK: frozenset({"zone", "up_to_kg", "price"}),
    RowKind.SURCHARGE: frozenset(
        {"surcharge", "price", "postcodes", "percent", "side_over_cm", "weight_over_kg"}
    ),
    RowKind.MINIMUM: frozenset({"price"}),
}
_SURCHARGE_USES: dict[SurchargeKind, frozenset[str]] = {
    SurchargeKind.REMOTE_AREA: frozenset({"price", "postcodes"}),
    SurchargeKind.BULKY: frozenset({"price", "side_over_cm", "weight_over_kg"}),
    SurchargeKind.EXTRA_PARCEL: frozenset({"price"}),
    SurchargeKind.FUEL: frozenset({"percent"}),
}
_WHERE_IT_GOES = {
    "currency": "the card row",
    "volumetric_divisor": "the card row",
    "zone": "zone and break rows",
    "postcodes": "zone rows and the remote_area surcharge",
    "from_km": "zone rows",
    "to_km": "zone rows",
    "per_kg": "zone rows",
    "up_to_kg": "break rows",
    "price": "break, surcharge and minimum rows",
    "surcharge": "surcharge rows",
    "percent": "the fuel surcharge",
    "side_over_cm": "the bulky surcharge",
    "weight_over_kg": "the bulky surcharge",
}
_LEVELS: dict[str, ServiceLevel] = {
    **dict.fromkeys(["same_day", "sameday", "same"], ServiceLevel.SAME_DAY),
    **dict.fromkeys(["next_day", "nextday", "next"], ServiceLevel.NEXT_DAY),
    **dict.fromkeys(["scheduled", "window", "timed"], ServiceLevel.SCHEDULED),
}
_CURRENCY = re.compile(r"[A-Z]{3}")
_HUNDRED = Decimal(100)


class RateCardFileInvalid(FileInvalid):
    """The rows hold mistakes; ``problems`` lists every one, in row order. No card is loaded."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__("rate_cards", "rate card", "card", COLUMNS, problems)


def read_rate_cards(rows: Iterable[tuple[int, Mapping[str, object]]]) -> RateCards:
    """The cards the rows describe, by (carrier code, service level); see the module docstring.

    Raises ``RateCardFileInvalid`` with every mistake found when any row is wrong.
    """
    reader = _Reader()
    for number, cells in rows:
        reader.read(number, cells)
    cards = reader.cards()
    if not reader.drafts and not reader.problems:
        reader.note(
            1,
            "row",
            "the file holds no rate card rows",
            "add a card row and the zone and break rows of each carrier and service level",
        )
    if reader.problems:
        raise RateCardFileInvalid(reader.problems)
    return cards


# --- reading the rows ------------------------------------------------------------------------


class _Skip(Exception):
    """The row cannot be used; its problems are recorded."""


@dataclass
class _ZoneDraft:
    row: int
    name: str
    prefixes: frozenset[str] = frozenset()
    from_km: Decimal | None = None
    to_km: Decimal | None = None
    per_kg_cents: int | None = None
    breaks: dict[Decimal, tuple[int, int]] = field(default_factory=dict)  # kg -> (row, cents)


@dataclass
class _CardDraft:
    carrier: str
    level: ServiceLevel
    first_row: int
    card_row: int | None = None
    currency: str = ""
    divisor: int = DEFAULT_VOLUMETRIC_DIVISOR
    zones: dict[str, _ZoneDraft] = field(default_factory=dict)
    surcharges: dict[SurchargeKind, int] = field(default_factory=dict)  # kind -> row
    remote: RemoteArea | None = None
    bulky: Bulky | None = None
    extra_parcel_cents: int = 0
    fuel_percent: Decimal = Decimal(0)
    minimum_row: int | None = None
    minimum_cents: int = 0
    breaks: list[tuple[int, str, Decimal, int]] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.drafts: dict[tuple[str, ServiceLevel], _CardDraft] = {}
        self.unknown: set[str] = set()

    def note(self, row: int, column: str, problem: str, fix: str) -> None:
        self.problems.append(Problem(row, column, problem, fix))

    # one row ----------------------------------------------------------------------------------

    def read(self, number: int, raw: Mapping[str, object]) -> None:
        cells = {header(name): value for name, value in raw.items()}
        self.check_columns(number, raw)
        if all(is_blank(value) for value in cells.values()):
            return
        row = _Row(number, cells, self)
        try:
            kind = row.kind()
            draft = self.draft(row)
            row.refuse_unused(kind)
            if kind is RowKind.CARD:
                self.card(row, draft)
            elif kind is RowKind.ZONE:
                self.zone(row, draft)
            elif kind is RowKind.BREAK:
                self.weight_break(row, draft)
            elif kind is RowKind.SURCHARGE:
                self.surcharge(row, draft)
            else:
                self.minimum(row, draft)
        except _Skip:
            return

    def check_columns(self, number: int, cells: Mapping[str, object]) -> None:
        """Name each unknown column once, at its first row with a value (rows trimmed of
        trailing blanks carry only some of the header's keys)."""
        for name, value in cells.items():
            key = header(name)
            if key and key not in COLUMNS and key not in self.unknown and not is_blank(value):
                self.unknown.add(key)
                self.note(
                    number,
                    str(name).strip(),
                    f"'{str(name).strip()}' is not a rate card column",
                    "rename it to one of " + ", ".join(COLUMNS) + ", or remove the column",
                )

    def draft(self, row: _Row) -> _CardDraft:
        carrier = row.required(
            "carrier", carrier_code, "write the carrier's code, e.g. kaupunkikuriiri"
        )
        level = row.required("service_level", _level, "write same_day, next_day or scheduled")
        if carrier is None or level is None:
            raise _Skip
        key = (carrier, level)
        if key not in self.drafts:
            self.drafts[key] = _CardDraft(carrier, level, row.number)
        return self.drafts[key]

    def card(self, row: _Row, draft: _CardDraft) -> None:
        if draft.card_row is not None:
            self.note(
                row.number,
                "row",
                f"a second card row for {draft.carrier} {draft.level.value} (the first is row "
                f"{draft.card_row})",
                "keep one card row per carrier and service level",
            )
            return
        draft.card_row = row.number
        currency = row.required("currency", _currency, "write an ISO 4217 code like EUR")
        draft.currency = currency or ""
        divisor = row.optional("volumetric_divisor", _divisor)
        if divisor is not None:
            draft.divisor = divisor

    def zone(self, row: _Row, draft: _CardDraft) -> None:
        name = row.required("zone", _name, "write the zone's name, e.g. 1 or city")
        prefixes = row.optional("postcodes", postcode_prefixes)
        from_km = row.optional("from_km", _km)
        to_km = row.optional("to_km", _km)
        per_kg = row.optional("per_kg", _money)
        if name is None:
            return
        if name in draft.zones:
            self.note(
                row.number,
                "zone",
                f"zone {name} of {draft.carrier} {draft.level.value} is defined twice (first on "
                f"row {draft.zones[name].row})",
                "give each zone its own name, or merge the rows",
            )
            return
        zone = _ZoneDraft(row.number, name, prefixes or frozenset(), from_km, to_km, per_kg)
        draft.zones[name] = zone
        by_distance = from_km is not None or to_km is not None
        if prefixes and by_distance:
            self.note(
                row.number,
                "postcodes",
                f"zone {name} has both postcodes and a distance band",
                "a zone is either by postcode or by distance: clear one of them",
            )
        elif not prefixes and not by_distance and not row.failed:
            self.note(
                row.number,
                "postcodes",
                f"zone {name} has neither postcodes nor a distance band",
                "write postcode prefixes (e.g. 001 002) or from_km and to_km (e.g. 0 and 5)",
            )
        elif by_distance and from_km is None and "from_km" not in row.failed:
            self.note(row.number, "from_km", "the distance band has no start", "write e.g. 0")
        elif from_km is not None and to_km is not None and to_km <= from_km:
            self.note(
                row.number,
                "to_km",
                f"the band ends ({show_kg(to_km)} km) before it starts ({show_kg(from_km)} km)",
                "write a to_km larger than from_km, or leave it blank for no upper end",
            )

    def weight_break(self, row: _Row, draft: _CardDraft) -> None:
        name = row.required("zone", _name, "write the name of a zone defined on a zone row")
        up_to = row.required(
            "up_to_kg", _weight, "write the largest chargeable weight of the break, e.g. 5"
        )
        cents = row.required("price", _money, "write the break's price, e.g. 6.90")
        if name is not None and up_to is not None and cents is not None:
            draft.breaks.append((row.number, name, up_to, cents))  # zone rows may come later

    def add_break(self, number: int, zone: _ZoneDraft, up_to: Decimal, cents: int) -> None:
        if up_to in zone.breaks:
            self.note(
                number,
                "up_to_kg",
                f"zone {zone.name} has a {show_kg(up_to)} kg break already "
                f"(row {zone.breaks[up_to][0]})",
                "keep one price per break",
            )
            return
        zone.breaks[up_to] = (number, cents)

    def surcharge(self, row: _Row, draft: _CardDraft) -> None:
        kind = row.required(
            "surcharge", _surcharge, "write remote_area, bulky, extra_parcel or fuel"
        )
        if kind is None:
            return
        row.refuse_unused_surcharge(kind)
        if kind in draft.surcharges:
            self.note(
                row.number,
                "surcharge",
                f"a second {kind.value} surcharge for {draft.carrier} {draft.level.value} (the "
                f"first is row {draft.surcharges[kind]})",
                "keep one row per surcharge",
            )
            return
        draft.surcharges[kind] = row.number
        if kind is SurchargeKind.FUEL:
            percent = row.required("percent", _percent, "write the percentage, e.g. 12.5")
            if percent is not None:
                draft.fuel_percent = percent
            return
        cents = row.required("price", _money, "write the surcharge's amount, e.g. 4.50")
        if kind is SurchargeKind.EXTRA_PARCEL:
            draft.extra_parcel_cents = cents or 0
        elif kind is SurchargeKind.REMOTE_AREA:
            prefixes = row.required(
                "postcodes",
                postcode_prefixes,
                "write the remote postcode prefixes, e.g. 00190 00860",
            )
            if cents is not None and prefixes:
                draft.remote = RemoteArea(prefixes, cents)
        else:
            side = row.optional("side_over_cm", _positive)
            weight = row.optional("weight_over_kg", _weight)
            if side is None and weight is None and not row.failed:
                self.note(
                    row.number,
                    "side_over_cm",
                    "the bulky surcharge has no limit",
                    "write side_over_cm (e.g. 120), weight_over_kg (e.g. 30), or both",
                )
            elif cents is not None and not row.failed:
                draft.bulky = Bulky(cents, side, weight)

    def minimum(self, row: _Row, draft: _CardDraft) -> None:
        if draft.minimum_row is not None:
            self.note(
                row.number,
                "row",
                f"a second minimum for {draft.carrier} {draft.level.value} (the first is row "
                f"{draft.minimum_row})",
                "keep one minimum row per carrier and service level",
            )
            return
        draft.minimum_row = row.number
        cents = row.required("price", _money, "write the minimum charge, e.g. 9.90")
        draft.minimum_cents = cents or 0

    # the cards --------------------------------------------------------------------------------

    def cards(self) -> RateCards:
        cards: RateCards = {}
        for key, draft in self.drafts.items():
            card = self.card_of(draft)
            if card is not None:
                cards[key] = card
        return cards

    def card_of(self, draft: _CardDraft) -> RateCard | None:
        label = f"{draft.carrier} {draft.level.value}"
        for number, name, up_to, cents in draft.breaks:
            if name in draft.zones:
                self.add_break(number, draft.zones[name], up_to, cents)
            else:
                self.note(
                    number,
                    "zone",
                    f"{label} has no zone named {name}",
                    "add a zone row for it, or correct the name",
                )
        if draft.card_row is None:
            self.note(
                draft.first_row,
                "row",
                f"{label} has no card row",
                f"add a row with row=card, carrier={draft.carrier}, "
                f"service_level={draft.level.value} and its currency",
            )
            return None
        zones = [zone for zone in (self.zone_of(draft, z) for z in draft.zones.values()) if zone]
        if not draft.zones:
            self.note(
                draft.card_row,
                "row",
                f"{label} has no zones",
                "add zone rows (with postcodes or a distance band) and their break rows",
            )
        if len(zones) != len(draft.zones) or not draft.currency or not zones:
            return None
        try:
            return RateCard(
                draft.carrier,
                draft.level,
                draft.currency,
                tuple(zones),
                volumetric_divisor=draft.divisor,
                remote_area=draft.remote,
                bulky=draft.bulky,
                extra_parcel_cents=draft.extra_parcel_cents,
                fuel_percent=draft.fuel_percent,
                minimum_cents=draft.minimum_cents,
            )
        except InvalidValue as error:
            self.note(
                draft.card_row,
                _column_of(error.field),
                f"{label}: {error.message}",
                "correct the zone rows so every postcode or distance has one zone",
            )
            return None

    def zone_of(self, draft: _CardDraft, zone: _ZoneDraft) -> Zone | None:
        if not zone.breaks:
            self.note(
                zone.row,
                "zone",
                f"zone {zone.name} of {draft.carrier} {draft.level.value} has no breaks",
                f"add break rows with zone={zone.name}, up_to_kg and price",
            )
            return None
        ordered = sorted(zone.breaks.items())
        for (lighter_kg, (_, lighter)), (heavier_kg, (number, heavier)) in itertools.pairwise(
            ordered
        ):
            if heavier < lighter:
                self.note(
                    number,
                    "price",
                    f"the {show_kg(heavier_kg)} kg break of zone {zone.name} costs less than "
                    f"the {show_kg(lighter_kg)} kg break",
                    "a heavier break never costs less; check both prices",
                )
                return None
        try:
            return Zone(
                zone.name,
                tuple(WeightBreak(kg, cents) for kg, (_, cents) in ordered),
                postcode_prefixes=zone.prefixes,
                from_km=zone.from_km,
                to_km=zone.to_km,
                per_kg_above_cents=zone.per_kg_cents,
            )
        except InvalidValue as error:
            if not any(problem.row == zone.row for problem in self.problems):
                self.note(zone.row, _column_of(error.field), error.message, "correct the zone row")
            return None  # else the zone row's own problem is already reported


class _Row:
    def __init__(self, number: int, cells: dict[str, object], reader: _Reader) -> None:
        self.number = number
        self.cells = cells
        self.reader = reader
        self.failed: set[str] = set()

    def given(self, column: str) -> bool:
        return not is_blank(self.cells.get(column))

    def kind(self) -> RowKind:
        kinds = ", ".join(kind.value for kind in RowKind)
        value = self.required("row", _kind, f"write one of {kinds}")
        if value is None:
            raise _Skip
        return value

    def required(self, column: str, parse: _Parser[T], fix: str) -> T | None:
        if not self.given(column):
            self.failed.add(column)
            self.reader.note(self.number, column, "the cell is empty", fix)
            return None
        return self.optional(column, parse)

    def optional(self, column: str, parse: _Parser[T]) -> T | None:
        value = self.cells.get(column)
        if is_blank(value):
            return None
        try:
            return parse(value, column)
        except CellError as error:
            self.failed.add(column)
            self.reader.note(self.number, column, error.problem, error.fix)
            return None

    def refuse_unused(self, kind: RowKind) -> None:
        used = _COMMON | _USED[kind]
        for column in COLUMNS:
            if column not in used and self.given(column):
                self.reader.note(
                    self.number,
                    column,
                    f"{column} is not used on a {kind.value} row",
                    f"leave it blank; {column} belongs on {_WHERE_IT_GOES[column]}",
                )

    def refuse_unused_surcharge(self, kind: SurchargeKind) -> None:
        for column in _USED[RowKind.SURCHARGE] - _SURCHARGE_USES[kind] - {"surcharge"}:
            if self.given(column):
                self.reader.note(
                    self.number,
                    column,
                    f"{column} is not used by the {kind.value} surcharge",
                    f"leave it blank; {column} belongs on {_WHERE_IT_GOES[column]}",
                )


# --- cells -----------------------------------------------------------------------------------


def _word(value: object, column: str) -> str:
    return "_".join(parse_text(value, column).lower().replace("-", " ").split())


def _kind(value: object, column: str) -> RowKind:
    word = _word(value, column)
    try:
        return RowKind(word)
    except ValueError:
        kinds = ", ".join(kind.value for kind in RowKind)
        raise CellError(column, f"'{word}' is not a kind of row", f"write one of {kinds}") from None


def _surcharge(value: object, column: str) -> SurchargeKind:
    word = _word(value, column)
    aliases = {"remote": "remote_area", "extra_parcels": "extra_parcel"}
    try:
        return SurchargeKind(aliases.get(word, word))
    except ValueError:
        raise CellError(
            column,
            f"'{word}' is not a surcharge doorstep knows",
            "write remote_area, bulky, extra_parcel or fuel",
        ) from None


def _level(value: object, column: str) -> ServiceLevel:
    word = _word(value, column)
    if word in _LEVELS:
        return _LEVELS[word]
    raise CellError(
        column, f"'{word}' is not a service level", "write same_day, next_day or scheduled"
    )


def _currency(value: object, column: str) -> str:
    code = parse_text(value, column).upper()
    if not _CURRENCY.fullmatch(code):
        raise CellError(column, f"'{code}' is not a currency code", "write e.g. EUR or SEK")
    return code


def _name(value: object, column: str) -> str:
    name = parse_text(value, column)
    if len(name) > 40:
        raise CellError(column, "the zone name is longer than 40 characters", "shorten it")
    return name


def _tidy(number: Decimal) -> Decimal:
    """10.0 -> 10 and 12.50 -> 12.5, so messages and reasons show what a person wrote."""
    whole = number.to_integral_value()
    return whole if number == whole else number.normalize()


def _decimal(value: object, column: str, example: str) -> Decimal:
    number = _tidy(exact(parse_number(value, column, example=example)))
    if number < 0:
        raise CellError(column, f"{value} is negative", "write 0 or more")
    return number


def _money(value: object, column: str) -> int:
    amount = _decimal(value, column, "6.90") * _HUNDRED
    if amount != amount.to_integral_value():
        raise CellError(
            column,
            f"'{value}' has more than two decimals",
            "write the amount to the cent, e.g. 6.90",
        )
    return int(amount)


def _km(value: object, column: str) -> Decimal:
    return _decimal(value, column, "5 or 2.5")


def _positive(value: object, column: str) -> Decimal:
    number = _decimal(value, column, "120")
    if number == 0:
        raise CellError(column, "0 is not a limit", "write a number above 0, e.g. 120")
    return number


def _weight(value: object, column: str) -> Decimal:
    number = _tidy(exact(parse_quantity(value, column, unit=Unit.KG)))
    if number == 0:
        raise CellError(column, "0 kg is not a limit", "write a weight above 0, e.g. 5")
    return number


def _percent(value: object, column: str) -> Decimal:
    text = str(value).strip().removesuffix("%").strip() if isinstance(value, str) else value
    number = _decimal(text, column, "12.5")
    if number > 100:
        raise CellError(column, f"{number:f}% is over 100%", "write the percentage, e.g. 12.5")
    return number


def _divisor(value: object, column: str) -> int:
    number = _decimal(value, column, "5000")
    if number <= 0 or number != number.to_integral_value():
        raise CellError(
            column, f"'{value}' is not a whole number of cm3 per kg", "write e.g. 5000 or 4000"
        )
    return int(number)


def _column_of(field_name: str) -> str:
    """The file's column for a domain field the card refused."""
    if "postcode" in field_name:
        return "postcodes"
    if "km" in field_name or field_name == "zones":
        return "zone"
    return "row"
