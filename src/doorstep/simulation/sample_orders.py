"""Sample order files that look like what shippers really send, with the truth of every row.

``sample_orders`` draws orders at real addresses of a region and writes them the way web shops
and ERP exports do: mixed phone formats, staircase and flat after the number, coordinates for
only some rows, optional windows, notes in Finnish or English. A controlled share of rows
carries one realistic mistake each (``mistakes.Mistake``), and each row's ``SampleLabel``
keeps the address it really means, so the import, the geocoder and the checks can be scored
against it.

Everything is drawn from one ``random.Random(seed)``, and sets are never iterated unsorted,
so the same arguments give the same rows (and the same CSV file) in every process.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import EARTH_RADIUS_M, Location
from doorstep.domain.geocoding import KnownAddress
from doorstep.domain.schedules import TimeWindow
from doorstep.domain.text import fold
from doorstep.simulation.mistakes import (
    Mistake,
    bad_phone,
    other_postcode,
    pin_in_another_street,
    typo,
)

HEADER = [
    "Order ID",
    "Name",
    "Phone",
    "Email",
    "Address",
    "Postcode",
    "City",
    "Latitude",
    "Longitude",
    "Date",
    "Time window start",
    "Time window end",
    "Service time (min)",
    "Weight (kg)",
    "Volume (l)",
    "Parcels",
    "Barcode",
    "Notes",
]
STATION_COLUMN = "Station"  # added last, on every row, when a station code is given

PIN_NOISE_M = 3.0  # standard deviation of a pin around its address point
PIN_NOISE_MAX_M = 8.0  # per axis
# A wrong pin lands on another street this far from the true address: beyond a few houses,
# within the same neighbourhood (a pin dropped on the map a little off). The other address
# is chosen with a margin for the pin's own noise, so the pin itself stays within the range.
WRONG_PIN_M = (100.0, 500.0)
_NOISE_MARGIN_M = PIN_NOISE_MAX_M * math.sqrt(2)

# How often a row has each optional part. Chosen to resemble a web shop's export.
SHARE_WITH_COORDINATES = 1 / 3
SHARE_WITH_UNIT = 0.8  # of rows at an address with several dwellings
SHARE_COMPANIES = 0.07
SHARE_WITHOUT_PHONE = 0.02
SHARE_WITH_EMAIL = 0.82  # of people; companies nearly always give one
SHARE_COMPANIES_WITH_EMAIL = 0.95
SHARE_WITH_NOTES = 0.12

# Weights of the mistake kinds among the rows chosen to carry one.
_MISTAKE_WEIGHTS = {
    Mistake.TYPO: 0.25,
    Mistake.MISSING_NUMBER: 0.2,
    Mistake.WRONG_POSTCODE: 0.2,
    Mistake.PIN_IN_WRONG_STREET: 0.15,
    Mistake.BAD_PHONE: 0.2,
}

# Time windows: none, a half day, the evening, or a two-hour slot, all within 08:00-21:00.
_WINDOWS: tuple[tuple[float, tuple[int, int] | None], ...] = (
    (0.30, None),
    (0.15, (8, 12)),
    (0.15, (12, 16)),
    (0.15, (16, 21)),
    *((0.25 / 12, (h, h + 2)) for h in range(8, 20)),
)
_SERVICE_MIN = {1: 4, 2: 38, 3: 30, 4: 7, 5: 10, 6: 3, 7: 2, 8: 2, 10: 4}
_PARCELS = {1: 82, 2: 12, 3: 4, 4: 2}

_MOBILE_PREFIXES = ("40", "41", "44", "45", "46", "50")

_FIRST_NAMES = (
    "Aino", "Anna", "Anne", "Antti", "Eero", "Eija", "Elina", "Emma", "Hanna", "Heikki",
    "Helmi", "Ilkka", "Jani", "Jari", "Johanna", "Juha", "Jukka", "Kaisa", "Kari", "Katja",
    "Laura", "Leena", "Marja", "Markku", "Matti", "Mika", "Mikko", "Minna", "Niina", "Olli",
    "Pekka", "Petri", "Päivi", "Riikka", "Sanna", "Satu", "Sari", "Timo", "Tuula", "Tuomas",
    "Veera", "Ville", "Väinö", "Anna-Liisa", "Jussi", "Otso",
    # Finland-Swedish names
    "Anders", "Björn", "Elsa", "Erik", "Fredrik", "Henrik", "Ingrid", "Johan", "Karin",
    "Linnea", "Magnus", "Maria", "Oskar", "Sofia", "Ulla",
)  # fmt: skip
_LAST_NAMES = (
    "Aalto", "Heikkilä", "Heinonen", "Hämäläinen", "Järvinen", "Kallio", "Koivisto",
    "Korhonen", "Koskinen", "Laaksonen", "Laine", "Lehtonen", "Lehtinen", "Leinonen",
    "Mäkelä", "Mäkinen", "Nieminen", "Niemi", "Ojala", "Pitkänen", "Rantanen", "Salminen",
    "Salonen", "Saarinen", "Tuominen", "Turunen", "Virtanen", "Väisänen", "Hiltunen",
    "Karjalainen", "Kettunen", "Lindholm", "Nurmi", "Peltonen", "Räsänen",
    # Finland-Swedish surnames
    "Andersson", "Backman", "Ekström", "Forsberg", "Holmström", "Johansson", "Karlsson",
    "Lindqvist", "Lindström", "Nyberg", "Sjöberg", "Strandberg", "Westerlund",
)  # fmt: skip
_COMPANY_WORDS = (
    "Aurora", "Helmi", "Kuohu", "Majakka", "Sointu", "Tähti", "Kompassi", "Lumme", "Pihlaja",
    "Saga", "Vasa", "Nord",
)  # fmt: skip
_COMPANY_KINDS = (
    "Kahvila {w}",
    "Parturi-kampaamo {w}",
    "Kukkakauppa {w}",
    "Rakennus {l} Oy",
    "{l} Oy",
    "Tmi {f} {l}",
    "{l} & Co Ab",
    "Ravintola {w}",
    "Optiikka {w} Oy",
)
_MAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "elisanet.fi",
                 "luukku.com", "icloud.com", "kolumbus.fi")  # fmt: skip
_NOTES = (
    "Ovikoodi {code}",
    "Porttikoodi {code}#",
    "Door code {code}",
    "Code {code} at the gate",
    "Jätä oven eteen",
    "Leave at the door",
    "Soita ennen tuloa",
    "Please call on arrival",
    "Toimitus takaovelle",
    "Use the back door",
    "Koira pihalla, soita portilta",
    "Lämna vid dörren",
    "Ei summeria, soita",
    "Leave with the neighbour if not home",
)


T = TypeVar("T")


# A house number as people write it: 12, 12a, 12 B, 6-10. OpenStreetMap also holds
# numbers like "13 A, 5. krs./Floor 5", which no shipper would send, so those are not drawn.
_PLAIN_NUMBER = re.compile(r"\d{1,4} ?[A-Za-z]?( ?[-\u2013] ?\d{1,4} ?[A-Za-z]?)?")


class _Weighted(Generic[T]):
    """A fixed discrete distribution, sampled with one ``rng.random()`` per draw."""

    def __init__(self, weights: Sequence[tuple[float, T]]) -> None:
        total = sum(w for w, _ in weights)
        self.values = [v for _, v in weights]
        acc = 0.0
        self.bounds: list[float] = []
        for w, _ in weights:
            acc += w / total
            self.bounds.append(acc)

    def draw(self, rng: random.Random) -> T:
        u = rng.random()
        for bound, value in zip(self.bounds, self.values, strict=True):
            if u < bound:
                return value
        return self.values[-1]


_WINDOW_DRAW = _Weighted(_WINDOWS)
_SERVICE_DRAW = _Weighted([(float(w), m) for m, w in _SERVICE_MIN.items()])
_PARCEL_DRAW = _Weighted([(float(w), n) for n, w in _PARCELS.items()])


@dataclass(frozen=True)
class SampleLabel:
    """The truth behind one row.

    ``address`` is the address the row means, whatever the row says; ``mistake`` the one
    mistake put into the row (``Mistake.NONE`` for a clean row); ``pin`` the coordinates
    written into the row (None without), which for ``PIN_IN_WRONG_STREET`` are those of
    ``pin_address``, on another street.
    """

    reference: str
    address: KnownAddress
    mistake: Mistake
    unit: str = ""
    pin: Location | None = None
    pin_address: KnownAddress | None = None
    window: TimeWindow | None = None
    barcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SampleSet:
    """A table of sample orders (``header`` + ``rows``) and the truth of each row."""

    header: list[str]
    rows: list[list[object]]
    labels: list[SampleLabel]

    def mistake_counts(self) -> dict[str, int]:
        """Rows per mistake kind (kinds without rows left out), in the order of ``Mistake``."""
        counts = Counter(label.mistake for label in self.labels)
        return {kind.value: counts[kind] for kind in Mistake if counts[kind]}


def sample_orders(
    addresses: Sequence[KnownAddress],
    *,
    count: int,
    seed: int,
    day: date,
    timezone: str,
    mistakes: float = 0.08,
    station_code: str | None = None,
) -> SampleSet:
    """``count`` orders for ``day`` at addresses drawn from ``addresses``.

    Addresses with a street, a number and a postcode are drawn without replacement until
    they run out, then with replacement. ``round(count * mistakes)`` rows carry one mistake
    each. Windows are local times of ``timezone`` (the labels hold them as aware instants).
    """
    if count < 0:
        raise InvalidValue("count", f"must be 0 or more, got {count}")
    if not 0.0 <= mistakes <= 1.0:
        raise InvalidValue("mistakes", f"must be a share between 0 and 1, got {mistakes}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue("timezone", f"unknown time zone {timezone!r}") from None
    # Seeded on purpose: sample data must repeat, and nothing secret comes from it.
    rng = random.Random(seed)  # noqa: S311
    return _Sampler(addresses, rng, seed, day, zone, station_code).run(count, mistakes)


class _Sampler:
    def __init__(
        self,
        addresses: Sequence[KnownAddress],
        rng: random.Random,
        seed: int,
        day: date,
        zone: ZoneInfo,
        station_code: str | None,
    ) -> None:
        self.all = addresses
        self.rng = rng
        self.seed = seed
        self.day = day
        self.zone = zone
        self.station_code = station_code
        self.pool = _deliverable(addresses)
        if not self.pool:
            raise InvalidValue(
                "addresses", "the region has no address with a street and a house number"
            )
        self.postcodes = sorted({a.postcode for a in self.pool if a.postcode})
        # OSM leaves addr:city off many addresses (or holds junk like "7"); a shipper would
        # still write the town, so those rows get the region's most common one.
        cities = Counter(a.city for a in self.pool if _is_city(a.city))
        self.default_city = cities.most_common(1)[0][0] if cities else ""
        self._positions: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
        # One sender number per file, and consecutive serials from a random start: barcodes
        # are unique within the file and unlikely to meet those of another seed.
        self.sender = rng.randrange(100_000, 1_000_000)
        self.serial = rng.randrange(10**10)

    def run(self, count: int, share: float) -> SampleSet:
        rng = self.rng
        chosen = rng.sample(range(len(self.pool)), min(count, len(self.pool)))
        chosen += rng.choices(range(len(self.pool)), k=count - len(chosen))
        mistaken = set(rng.sample(range(count), round(count * share)))
        header = HEADER + ([STATION_COLUMN] if self.station_code else [])
        rows: list[list[object]] = []
        labels: list[SampleLabel] = []
        for i, index in enumerate(chosen):
            row, label = self._row(i + 1, self.pool[index], i in mistaken)
            rows.append(row)
            labels.append(label)
        return SampleSet(header, rows, labels)

    def _row(
        self, number: int, address: KnownAddress, mistaken: bool
    ) -> tuple[list[object], SampleLabel]:
        rng = self.rng
        reference = f"SO-{self.seed}-{number:06d}"
        name, company = self._name()
        phone = "" if rng.random() < SHARE_WITHOUT_PHONE else _mobile(rng)
        with_email = SHARE_COMPANIES_WITH_EMAIL if company else SHARE_WITH_EMAIL
        email = self._email(name, company) if rng.random() < with_email else ""
        unit = self._unit(address)
        pin: Location | None = None
        if rng.random() < SHARE_WITH_COORDINATES:
            pin = _near(address.location, rng)
        window = _WINDOW_DRAW.draw(rng)
        service = _SERVICE_DRAW.draw(rng)
        parcels = _PARCEL_DRAW.draw(rng)
        weight = round(min(max(rng.lognormvariate(math.log(1.6), 0.9), 0.2), 30.0), 1)
        # Light parcels are rarely dense: volume follows weight at 2-8 litres per kilo.
        volume = round(min(max(weight * rng.lognormvariate(math.log(4.0), 0.5), 0.5), 200.0), 1)
        barcodes = tuple(self._barcode() for _ in range(parcels))
        notes = self._notes() if rng.random() < SHARE_WITH_NOTES else ""

        parts = _Parts(address.street, address.house_number, unit, address.postcode, pin, phone)
        mistake = self._mistake(address, parts) if mistaken else Mistake.NONE
        unit, pin, phone = parts.unit, parts.pin, parts.phone
        written = " ".join(part for part in (parts.street, parts.house_number, unit) if part)
        start = end = None
        label_window = None
        if isinstance(window, tuple):
            start, end = f"{window[0]:02d}:00", f"{window[1]:02d}:00"
            label_window = TimeWindow(
                datetime.combine(self.day, time(window[0]), self.zone),
                datetime.combine(self.day, time(window[1]), self.zone),
            )
        row: list[object] = [
            reference,
            name,
            phone,
            email,
            written,
            parts.postcode,
            address.city if _is_city(address.city) else self.default_city,
            None if pin is None else round(pin.lat, 6),
            None if pin is None else round(pin.lon, 6),
            self.day.isoformat(),
            start,
            end,
            service,
            weight,
            volume,
            parcels,
            ";".join(barcodes),
            notes,
        ]
        if self.station_code:
            row.append(self.station_code)
        label = SampleLabel(
            reference=reference,
            address=address,
            mistake=mistake,
            unit=unit,
            pin=pin,
            pin_address=parts.pin_address,
            window=label_window,
            barcodes=barcodes,
        )
        return row, label

    # -- the parts of a row ------------------------------------------------------------------

    def _name(self) -> tuple[str, bool]:
        rng = self.rng
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        if rng.random() < SHARE_COMPANIES:
            pattern = rng.choice(_COMPANY_KINDS)
            return pattern.format(f=first, l=last, w=rng.choice(_COMPANY_WORDS)), True
        return f"{first} {last}", False

    def _email(self, name: str, company: bool) -> str:
        rng = self.rng
        if company:
            words = [w for w in _ascii(name).split() if w not in {"oy", "ab", "tmi", "&", "co"}]
            return f"{rng.choice(('info', 'tilaukset', 'myynti'))}@{''.join(words)}.fi"
        first, last = (_ascii(part) for part in name.split(" ", 1))
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{first}.{last}",
                f"{first}{last}{rng.randrange(1, 100)}",
                f"{first[0]}.{last}",
                f"{first}_{last}",
            )
        )
        return f"{local}@{rng.choice(_MAIL_DOMAINS)}"

    def _unit(self, address: KnownAddress) -> str:
        """Staircase and flat (``A 12``) at an address with several dwellings, mostly.

        Not where the number already names a staircase (``13 A``): that is the whole address.
        """
        if address.units < 2 or any(c.isalpha() for c in address.house_number):
            return ""
        if self.rng.random() >= SHARE_WITH_UNIT:
            return ""
        # ``units`` is the larger of the flats a building tag states and the staircases
        # mapped, and 2 for a block of flats without either: up to a handful it counts
        # staircases (or nothing exact), beyond that flats, numbered through all staircases
        # of a Finnish block (a staircase has some 10-20).
        if address.units <= 6:
            staircases, flats = min(address.units, 4), 40
        else:
            staircases, flats = min(max(address.units // 15, 1), 4), min(address.units, 99)
        letter = "ABCD"[self.rng.randrange(staircases)]
        return f"{letter} {self.rng.randint(1, flats)}"

    def _barcode(self) -> str:
        self.serial = (self.serial + 1) % 10**11
        return f"JJFI{self.sender}{self.serial:011d}"

    def _notes(self) -> str:
        return self.rng.choice(_NOTES).format(code=self.rng.randrange(1000, 10000))

    # -- mistakes ----------------------------------------------------------------------------

    def _mistake(self, address: KnownAddress, parts: _Parts) -> Mistake:
        """Put one mistake into ``parts``, of a kind drawn by ``_MISTAKE_WEIGHTS``.

        A kind this address does not allow (no long word to mistype, no other postcode, no
        other street nearby) is dropped and another drawn. A missing number and a bad phone
        fit every row, so every chosen row gets its mistake and the share stays exact.
        """
        rng = self.rng
        kinds = dict(_MISTAKE_WEIGHTS)
        while True:
            kind = _Weighted([(w, k) for k, w in kinds.items()]).draw(rng)
            if kind is Mistake.TYPO:
                slipped = self._typo(address.street)
                if slipped is not None:
                    parts.street = slipped
                    return kind
            elif kind is Mistake.MISSING_NUMBER:
                # "Kalevankatu A 12" is not what people write: the flat goes with the number.
                parts.house_number = parts.unit = ""
                return kind
            elif kind is Mistake.WRONG_POSTCODE:
                postcode = other_postcode(address, self.postcodes, rng)
                if postcode != address.postcode:
                    parts.postcode = postcode
                    return kind
            elif kind is Mistake.PIN_IN_WRONG_STREET:
                other = pin_in_another_street(address, self._nearby(address), rng)
                if other is not None:
                    parts.pin, parts.pin_address = _near(other.location, rng), other
                    return kind
            else:
                parts.phone = bad_phone(parts.phone or _mobile(rng), rng)
                return kind
            del kinds[kind]

    def _typo(self, street: str) -> str | None:
        """A typo that really changes the name (not only an ä for an a, which folds away)."""
        for _ in range(8):
            slipped = typo(street, self.rng)
            if fold(slipped) != fold(street):
                return slipped
        return None

    def _nearby(self, address: KnownAddress) -> list[KnownAddress]:
        """Addresses on other streets within ``WRONG_PIN_M`` of ``address``, in input order."""
        lat, lon = self._positions_of_all()
        dy = np.radians(lat - address.location.lat) * EARTH_RADIUS_M
        dx = (
            np.radians(lon - address.location.lon)
            * EARTH_RADIUS_M
            * math.cos(math.radians(address.location.lat))
        )
        distance = np.hypot(dx, dy)
        low, high = WRONG_PIN_M[0] + _NOISE_MARGIN_M, WRONG_PIN_M[1] - _NOISE_MARGIN_M
        near = np.flatnonzero((distance >= low) & (distance <= high))
        return [
            self.all[i]
            for i in near.tolist()
            if self.all[i].street and self.all[i].street != address.street
        ]

    def _positions_of_all(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        # Built on the first wrong pin only: a flat scan of ~100k points per pin is a
        # millisecond, far less than keeping a spatial index for a few hundred rows.
        if self._positions is None:
            n = len(self.all)
            self._positions = (
                np.fromiter((a.location.lat for a in self.all), np.float64, n),
                np.fromiter((a.location.lon for a in self.all), np.float64, n),
            )
        return self._positions


@dataclass
class _Parts:
    """What a row says about where and whom, before and after a mistake is put in."""

    street: str
    house_number: str
    unit: str
    postcode: str
    pin: Location | None
    phone: str
    pin_address: KnownAddress | None = None


def _deliverable(addresses: Sequence[KnownAddress]) -> list[KnownAddress]:
    """One entry per address a shipper would write: a street, a plain number, a postcode.

    A region short of those (no postcodes at all, odd numbering) falls back to any address
    with a street and a number. Repeats (a building and its entrances) keep their first
    entry, so drawing without replacement means distinct addresses.
    """
    seen: set[tuple[str, str, str]] = set()
    tidy: list[KnownAddress] = []
    other: list[KnownAddress] = []
    for address in addresses:
        if not address.street or not address.house_number:
            continue
        key = (address.street, address.house_number, address.postcode)
        if key in seen:
            continue
        seen.add(key)
        plain = (
            bool(address.postcode)
            and "," not in address.street
            and _PLAIN_NUMBER.fullmatch(address.house_number) is not None
        )
        (tidy if plain else other).append(address)
    return tidy or other


def _is_city(name: str) -> bool:
    return any(c.isalpha() for c in name)


def _mobile(rng: random.Random) -> str:
    """A valid Finnish mobile number in one of the ways people write them."""
    prefix = rng.choice(_MOBILE_PREFIXES)
    # The subscriber part never starts with 0 (an easily misread number, and rare in use).
    digits = f"{rng.randrange(1_000_000, 10_000_000)}"
    style = rng.randrange(4)
    if style == 0:
        return f"+358 {prefix} {digits[:3]} {digits[3:]}"
    if style == 1:
        return f"0{prefix} {digits}"
    if style == 2:
        return f"0{prefix}{digits}"
    return f"+358{prefix}{digits}"


def _near(location: Location, rng: random.Random) -> Location:
    """``location`` moved by a few metres, as a pin from a map or a phone's GPS is."""
    dy = max(-PIN_NOISE_MAX_M, min(PIN_NOISE_MAX_M, rng.gauss(0.0, PIN_NOISE_M)))
    dx = max(-PIN_NOISE_MAX_M, min(PIN_NOISE_MAX_M, rng.gauss(0.0, PIN_NOISE_M)))
    lat = location.lat + math.degrees(dy / EARTH_RADIUS_M)
    lon = location.lon + math.degrees(
        dx / (EARTH_RADIUS_M * max(math.cos(math.radians(location.lat)), 1e-6))
    )
    return Location(max(-90.0, min(90.0, lat)), (lon + 180.0) % 360.0 - 180.0)


def _ascii(text: str) -> str:
    """Lower-case ASCII for an e-mail address: Väisänen -> vaisanen, Anna-Liisa -> anna-liisa."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " -&"))
