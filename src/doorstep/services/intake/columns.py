"""Which column of an order file holds what: canonical fields and header recognition.

Headers are compared after folding case, accents, spaces and punctuation ("Order-ID",
"order_id", "OrderId" and "ORDER ID" are one name), against synonyms in English, Finnish and
Swedish and the column names of common route-planning templates (OptimoRoute, Routific,
Circuit, Onfleet). A unit in brackets ("Weight (kg)", "Service time [min]") or at the end
("Paino kg") is remembered for reading the cells; "(MM/DD/YYYY)" makes slashed dates month
first. A user's mapping (``{header in the file: field}``, from ``--mapping MAP.yaml``) wins
over recognition; map a column to ``ignore`` to drop it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.errors import InvalidValue
from doorstep.domain.text import without_accents
from doorstep.services.intake.values import Formats, Quantity, Unit, unit_named


class Field(StrEnum):
    """A canonical order field a column can hold."""

    REFERENCE = "reference"  # the shipper's own order id
    SHIPPER = "shipper"
    KIND = "kind"  # delivery or pickup
    STATION = "station"
    NAME = "name"
    COMPANY = "company"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"  # the full address as one text
    STREET = "street"
    HOUSE_NUMBER = "house_number"
    UNIT = "unit"  # apartment, staircase, suite
    POSTCODE = "postcode"
    CITY = "city"
    COUNTRY = "country"
    LAT = "lat"
    LON = "lon"
    DATE = "date"  # the service date
    WINDOW_START = "window_start"
    WINDOW_END = "window_end"
    WINDOWS = "windows"  # several windows in one cell: "09:00-12:00; 16:00-18:00"
    WINDOW2_START = "window2_start"
    WINDOW2_END = "window2_end"
    SERVICE_TIME = "service_time"
    WEIGHT = "weight"
    VOLUME = "volume"
    PARCELS = "parcels"  # how many parcels
    BARCODE = "barcode"  # one or several, separated by ; , or space
    NOTES = "notes"
    PRIORITY = "priority"
    PROOF = "proof"
    SKILLS = "skills"  # what the vehicle or driver must have: "refrigerated, lift gate"


IGNORE = "ignore"
"""A mapping target that drops a column (to settle two columns read as one field)."""

_QUANTITY_OF: dict[Field, Quantity] = {
    Field.WEIGHT: Quantity.MASS,
    Field.VOLUME: Quantity.VOLUME,
    Field.SERVICE_TIME: Quantity.TIME,
}

_WINDOW_START = [
    "time window start", "tw start", "tw from", "window start", "window from", "from",
    "earliest", "earliest time", "earliest arrival", "start time", "start", "ready time",
    "complete after", "time from", "delivery from", "alkaen", "alkuaika", "aikaikkuna alkaa",
    "aikaisintaan", "alkaa", "toimitus alkaen", "fran", "fran tid", "tidigast", "starttid",
    "tid fran",
]  # fmt: skip
_WINDOW_END = [
    "time window end", "tw end", "tw to", "window end", "window to", "to", "latest",
    "latest time", "latest arrival", "end time", "end", "due time", "complete before",
    "time to", "delivery to", "asti", "saakka", "viimeistaan", "loppuaika", "aikaikkuna paattyy",
    "paattyy", "toimitus viimeistaan", "till", "till tid", "senast", "sluttid", "tid till",
]  # fmt: skip

# Written naturally; compared through ``_key``. Each name may appear under one field only.
_SYNONYMS: dict[Field, list[str]] = {
    Field.REFERENCE: [
        "reference", "ref", "ref no", "reference number", "order id", "order no", "order nr",
        "order number", "order #", "order", "order ref", "order reference", "id", "external id",
        "shipment id", "shipment number", "seller order id", "customer reference", "job id",
        "task id", "tilausnumero", "tilausnro", "tilaus", "tilaustunnus", "viite", "viitenumero",
        "lahetystunnus", "lahetysnumero", "toimitusnumero", "ordernummer", "ordernr", "referens",
        "referensnummer", "sandningsnummer", "sandnings id",
    ],
    Field.SHIPPER: [
        "shipper", "merchant", "sender", "seller", "seller name", "vendor", "store", "shop",
        "lahettaja", "verkkokauppa", "toimeksiantaja", "kauppa", "avsandare", "saljare",
        "butik",
    ],
    Field.KIND: [
        "type", "kind", "order type", "job type", "task type", "stop type", "visit type",
        "pickup", "is pickup", "tyyppi", "tilaustyyppi", "tehtavatyyppi", "nouto", "typ",
        "uppdragstyp", "ordertyp", "hamtning",
    ],
    Field.STATION: [
        "station", "depot", "hub", "terminal", "warehouse", "start depot", "asema", "varasto",
        "terminaali", "jakelukeskus", "lager", "depa",
    ],
    Field.NAME: [
        "name", "full name", "customer", "customer name", "recipient", "recipient name",
        "consignee", "contact", "contact name", "location name", "client name", "nimi",
        "asiakas", "asiakkaan nimi", "vastaanottaja", "vastaanottajan nimi", "yhteyshenkilo",
        "namn", "kund", "kundnamn", "mottagare", "mottagarens namn", "kontaktperson",
    ],
    Field.COMPANY: [
        "company", "company name", "business", "business name", "organisation", "organization",
        "yritys", "yrityksen nimi", "firma", "foretag", "foretagsnamn",
    ],
    Field.PHONE: [
        "phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "mobile number",
        "cell", "cell phone", "recipient phone", "customer phone", "contact phone", "sms",
        "puhelin", "puhelinnumero", "puh", "matkapuhelin", "gsm", "telefon", "telefonnummer",
        "mobil", "mobilnummer", "mobiltelefon",
    ],
    Field.EMAIL: [
        "email", "e-mail", "email address", "e-mail address", "mail", "recipient email",
        "customer email", "contact email", "sahkoposti", "sahkopostiosoite", "sposti",
        "e-post", "epost", "e-postadress", "mejl",
    ],
    Field.ADDRESS: [
        "address", "full address", "street address", "delivery address", "shipping address",
        "address line 1", "address 1", "address1", "location address", "destination",
        "osoite", "toimitusosoite", "katuosoite", "lahiosoite", "jakeluosoite",
        "vastaanottajan osoite", "adress", "gatuadress", "leveransadress", "besoksadress",
        "postadress",
    ],
    Field.STREET: [
        "street", "street name", "road", "katu", "kadunnimi", "kadun nimi", "tie", "gata",
        "gatunamn", "vag",
    ],
    Field.HOUSE_NUMBER: [
        "house number", "house no", "house nr", "number", "street number", "street no",
        "building number", "talonumero", "numero", "katunumero", "husnummer", "gatunummer",
        "nummer",
    ],
    Field.UNIT: [
        "unit", "apartment", "apt", "suite", "flat", "address line 2", "address 2", "address2",
        "apartment number", "huoneisto", "asunto", "asuntonumero", "porras", "rappu",
        "lagenhet", "lgh", "lagenhetsnummer", "trappuppgang",
    ],
    Field.POSTCODE: [
        "zip", "zip code", "zipcode", "postcode", "postal code", "postal", "post code",
        "postinumero", "postinro", "postnummer", "postnr",
    ],
    Field.CITY: [
        "city", "town", "city town", "municipality", "locality", "suburb", "kaupunki",
        "postitoimipaikka", "kunta", "paikkakunta", "ort", "postort", "stad", "kommun",
    ],
    Field.COUNTRY: ["country", "country code", "maa", "maakoodi", "land", "landskod"],
    Field.LAT: ["lat", "latitude", "leveys", "leveysaste", "latitud", "y coordinate"],
    Field.LON: [
        "lon", "lng", "long", "longitude", "pituus", "pituusaste", "longitud", "x coordinate",
    ],
    Field.DATE: [
        "date", "delivery date", "service date", "scheduled date", "pickup date", "day",
        "paivamaara", "pvm", "paiva", "toimituspaiva", "toimituspvm", "jakelupaiva",
        "datum", "leveransdatum", "dag",
    ],
    Field.WINDOW_START: _WINDOW_START,
    Field.WINDOW_END: _WINDOW_END,
    Field.WINDOWS: [
        "time window", "time windows", "window", "windows", "delivery window", "delivery time",
        "time slot", "slot", "aikaikkuna", "aikaikkunat", "toimitusaika", "toimitusikkuna",
        "tidsfonster", "leveranstid", "tidslucka",
    ],
    Field.SERVICE_TIME: [
        "service time", "duration", "stop duration", "time at stop", "service duration",
        "stop time", "handling time", "unloading time", "palveluaika", "pysahdysaika",
        "kayntiaika", "kesto", "purkuaika", "servicetid", "stopptid", "varaktighet",
    ],
    Field.WEIGHT: [
        "weight", "total weight", "gross weight", "paino", "kokonaispaino", "bruttopaino",
        "vikt", "bruttovikt", "totalvikt",
    ],
    Field.VOLUME: ["volume", "cubic", "total volume", "tilavuus", "volym"],
    Field.PARCELS: [
        "parcels", "parcel count", "packages", "package count", "number of packages",
        "number of parcels", "items", "item count", "pieces", "quantity", "qty", "kollit",
        "kolli", "kollimaara", "paketit", "pakettien maara", "kpl", "maara", "antal kolli",
        "antal paket", "antal", "paket",
    ],
    Field.BARCODE: [
        "barcode", "barcodes", "tracking number", "tracking", "tracking id", "tracking code",
        "parcel id", "package id", "package barcode", "sscc", "viivakoodi", "seurantakoodi",
        "seurantanumero", "kollitunnus", "streckkod", "kollinummer", "kolli id",
        "sparningsnummer",
    ],
    Field.NOTES: [
        "notes", "note", "instructions", "delivery instructions", "comments", "comment",
        "remarks", "extra notes", "driver notes", "task details", "lisatiedot", "huomautukset",
        "huom", "kommentti", "kommentit", "ohjeet", "toimitusohjeet", "anteckningar",
        "kommentar", "meddelande", "instruktioner", "ovrigt", "leveransinstruktioner",
    ],
    Field.PRIORITY: [
        "priority", "prio", "urgency", "prioriteetti", "kiireellisyys", "prioritet",
    ],
    Field.SKILLS: [
        "skills", "skill", "required skills", "requirements", "vehicle requirements",
        "equipment", "vehicle features", "taidot", "vaatimukset", "kalustovaatimukset", "krav",
        "fordonskrav", "kompetens",
    ],
    Field.PROOF: [
        "proof", "proof of delivery", "pod", "proof required", "verification",
        "toimitusvahvistus", "vahvistus", "ikaraja", "leveransbevis", "aldersgrans",
    ],
}  # fmt: skip

# Onfleet's "Pickup" column is yes/no, not a type name.
_PICKUP_FLAG_KEYS = frozenset(["pickup", "ispickup", "nouto", "hamtning"])

_MONTH_FIRST = re.compile(r"\bm{1,2}\W*d{1,2}\W*y{2,4}\b", re.IGNORECASE)
_NOTE = re.compile(r"[(\[]([^)\]]*)[)\]]")
_EXAMPLES: dict[str, str] = {
    "reference": "the order reference (e.g. 'Order ID', 'Reference', 'Tilausnumero')",
    "address": (
        "the address (e.g. 'Address', 'Osoite', 'Adress', or 'Street' with 'House number', or "
        "'Latitude' with 'Longitude')"
    ),
}


@dataclass(frozen=True)
class Column:
    """One column of the file: where it is, its header, and what it holds (None: ignored)."""

    index: int
    header: str
    field: Field | None
    unit: Unit | None = None  # from the header, for weight, volume and service time
    note: str = ""  # the header's bracketed text, e.g. "kg" or "DD.MM.YYYY"


@dataclass(frozen=True)
class ColumnMap:
    """The columns of one file, each mapped to a field or ignored."""

    columns: tuple[Column, ...]

    @property
    def fields(self) -> dict[Field, Column]:
        return {column.field: column for column in self.columns if column.field is not None}

    @property
    def ignored(self) -> tuple[Column, ...]:
        """Columns no field was recognised for (reported to the user, not an error)."""
        return tuple(column for column in self.columns if column.field is None)

    def header_of(self, field: Field) -> str | None:
        """The file's own name for ``field``, to word messages as the user sees the file."""
        column = self.fields.get(field)
        return None if column is None else column.header

    def cells(self, row: Sequence[object]) -> dict[Field, object]:
        """The row's cells by field; cells past the end of a short row are absent."""
        return {
            column.field: row[column.index]
            for column in self.columns
            if column.field is not None and column.index < len(row)
        }

    @property
    def formats(self) -> Formats:
        """How this file writes units, dates and the order type, as its header says."""
        fields = self.fields

        def unit(field: Field, default: Unit) -> Unit:
            column = fields.get(field)
            return default if column is None or column.unit is None else column.unit

        kind = fields.get(Field.KIND)
        return Formats(
            weight=unit(Field.WEIGHT, Unit.KG),
            volume=unit(Field.VOLUME, Unit.L),
            duration=unit(Field.SERVICE_TIME, Unit.MIN),
            month_first=any(_MONTH_FIRST.search(column.note) for column in self.columns),
            pickup_flag=kind is not None and _key(_strip_notes(kind.header)) in _PICKUP_FLAG_KEYS,
        )


def recognise(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> ColumnMap:
    """Map each column of ``header`` to a field; ``mapping`` overrides or adds.

    Raises ``InvalidValue`` for a mapping naming an unknown field or a column not in the file,
    for two columns read as one field, and for a file without a reference or address column.
    """
    overrides = _overrides(header, mapping or {})
    columns = tuple(
        _column(index, name, *overrides[index])
        if index in overrides
        else _column(index, name, _recognised(name))
        for index, name in enumerate(header)
    )
    _check_unique(columns)
    _check_required(columns, header)
    return ColumnMap(columns)


def field_names() -> list[str]:
    """Every name a mapping may use, in the order of ``Field``."""
    return [field.value for field in Field] + [IGNORE]


# --- recognition -----------------------------------------------------------------------------


def _key(text: str) -> str:
    """Compare names without case, accents, spaces or punctuation: "Order-ID" -> "orderid"."""
    return re.sub(r"[\W_]+", "", without_accents(text))


def _words(text: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase: "weightKg" -> "weight Kg"
    return re.sub(r"[\W_]+", " ", without_accents(spaced)).split()


def _strip_notes(header: str) -> str:
    return _NOTE.sub(" ", header)


def _build_table() -> dict[str, Field]:
    table: dict[str, Field] = {}
    for field, names in _SYNONYMS.items():
        for name in names:
            key = _key(name)
            if table.setdefault(key, field) is not field:
                raise ValueError(f"'{name}' is listed for {table[key]} and {field}")
    # "Time window 2 start", "TW2 start", "From 2"...; "... 1 ..." is the first window.
    for first, second in ((_WINDOW_START, Field.WINDOW2_START), (_WINDOW_END, Field.WINDOW2_END)):
        for name in first:
            key = _key(name)
            for n, field in (("1", table[key]), ("2", second)):
                for variant in (key + n, key.replace("window", "window" + n, 1),
                                key.replace("tw", "tw" + n, 1)):  # fmt: skip
                    if variant != key:
                        table.setdefault(variant, field)
    return table


_TABLE = _build_table()


def _recognised(header: str) -> Field | None:
    name = _strip_notes(header)
    field = _TABLE.get(_key(name))
    if field is None:
        # "Paino kg", "Weight, kg", "serviceTimeMin": a trailing unit word after a known name.
        words = _words(name)
        if len(words) > 1 and unit_named(words[-1]) is not None:
            field = _TABLE.get("".join(words[:-1]))
            if field not in _QUANTITY_OF:
                field = None
    return field


def _column(index: int, header: str, field: Field | None, mapped: str = "") -> Column:
    """``mapped`` is the mapping's target, whose own note ("weight (g)") comes first."""
    notes = _NOTE.findall(mapped) + _NOTE.findall(header)
    note = "; ".join(part.strip() for part in notes)
    unit = None
    if field in _QUANTITY_OF:
        unit = _unit(header, notes)
        if unit is not None and unit.quantity is not _QUANTITY_OF[field]:
            raise InvalidValue(
                "columns",
                f"column '{header}' holds {field.value}, but '{unit.value}' is not a unit of "
                f"{_QUANTITY_OF[field].value}; rename the column, e.g. "
                f"'{field.value.replace('_', ' ').capitalize()} ({_DEFAULT_UNIT[field].value})'",
            )
    return Column(index, header, field, unit, note)


_DEFAULT_UNIT = {Field.WEIGHT: Unit.KG, Field.VOLUME: Unit.L, Field.SERVICE_TIME: Unit.MIN}


def _unit(header: str, notes: list[str]) -> Unit | None:
    for note in notes:
        words = [word for word in _words(note) if word not in ("in", "i", "per")]
        if words and (unit := unit_named(" ".join(words))) is not None:
            return unit
    words = _words(_strip_notes(header))
    return unit_named(words[-1]) if len(words) > 1 else None


# --- the user's mapping ----------------------------------------------------------------------


def _overrides(
    header: Sequence[str], mapping: Mapping[str, str]
) -> dict[int, tuple[Field | None, str]]:
    """Column index -> (field or None to ignore, the target as written), from the mapping.

    The target may carry a unit: ``Grammat: weight (g)``.
    """
    by_key: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        by_key.setdefault(_key(name), []).append(index)
    overrides: dict[int, tuple[Field | None, str]] = {}
    for column, target in mapping.items():
        indices = by_key.get(_key(str(column)))
        if not indices:
            raise InvalidValue(
                "mapping",
                f"column '{column}' is not in the file; its columns are: "
                + ", ".join(f"'{name}'" for name in header),
            )
        field = _mapped_field(str(column), target)
        for index in indices:
            overrides[index] = (field, "" if target is None else str(target))
    return overrides


def _mapped_field(column: str, target: object) -> Field | None:
    name = "" if target is None else re.sub(r"[\s-]+", "_", _strip_notes(str(target)).strip())
    if name.casefold() in ("", IGNORE):
        return None
    try:
        return Field(name.casefold())
    except ValueError:
        raise InvalidValue(
            "mapping",
            f"'{target}' (for column '{column}') is not a field; use one of: "
            + ", ".join(field_names()),
        ) from None


# --- checks ----------------------------------------------------------------------------------


def _check_unique(columns: Sequence[Column]) -> None:
    by_field: dict[Field, list[Column]] = {}
    for column in columns:
        if column.field is not None:
            by_field.setdefault(column.field, []).append(column)
    clashes = [
        f"{' and '.join(repr(c.header) for c in same)} are all read as {field.value}"
        if len(same) > 2
        else f"'{same[0].header}' and '{same[1].header}' are both read as {field.value}"
        for field, same in by_field.items()
        if len(same) > 1
    ]
    if clashes:
        example = next(c for c in columns if c.field is not None and len(by_field[c.field]) > 1)
        raise InvalidValue(
            "columns",
            "; ".join(clashes)
            + f". Keep one column per field, or map the others with --mapping, e.g. "
            f"'{example.header}: {IGNORE}'",
        )


def _check_required(columns: Sequence[Column], header: Sequence[str]) -> None:
    present = {column.field for column in columns}
    missing = []
    if Field.REFERENCE not in present:
        missing.append(_EXAMPLES["reference"])
    if not present & {Field.ADDRESS, Field.STREET, Field.LAT, Field.LON}:
        missing.append(_EXAMPLES["address"])
    problems = []
    if missing:
        problems.append("no column was recognised for " + " and ".join(missing))
    for have, lack in ((Field.LAT, Field.LON), (Field.LON, Field.LAT)):
        if have in present and lack not in present:
            problems.append(f"there is a {have.value} column but no {lack.value} column")
    if problems:
        raise InvalidValue(
            "columns",
            "; ".join(problems)
            + ". The file's columns are: "
            + ", ".join(f"'{name}'" for name in header)
            + ". Name yours with --mapping MAP.yaml, lines like 'Tilausnro: reference'",
        )
