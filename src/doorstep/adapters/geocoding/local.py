"""The offline geocoder: a region's own OpenStreetMap addresses, searched in memory.

``LocalGeocoder.from_region`` reads the region's address table (``doorstep region build``
writes it) and builds, in about a second for a city of 135,000 addresses:

- *addresses*: the table's points grouped by street and house number. An address keeps the
  door it was mapped with (an entrance node) or else the middle of its building or points,
  its postcode, its units (dwellings or staircases) and the doors of its staircases;
- *streets*: one per street name and city, with its house numbers for exact lookup and, made
  when first needed, its numbered positions for interpolation;
- *names*: every street's name and aliases (its Swedish or Finnish form, old and local names)
  as compact keys, as written and folded (without diacritics), for dictionary lookup; the
  folded keys again as a list for fuzzy search with rapidfuzz;
- a cKDTree of the addresses in locally projected metres, for reverse geocoding.

Forward geocoding parses the text (``parse.parse_address``), finds the streets the street part
may name (exactly; with abbreviations expanded; without diacritics; by a shortened prefix;
without words that were the city; else fuzzily), places the house number on each, and scores
each street with a confidence.

A confidence is the product of how well the candidate *fits* what was asked (the level it
was placed at, how its name was matched, whether the postcode and city agree) and its *share*
among the streets that could be meant: each street gets a weight from the same evidence, but
sharper (a street one typo away weighs a fiftieth of an exact one, a contradicting postcode a
twentieth), and its share is its weight over the sum. Two streets that the evidence cannot
tell apart get half each, so neither is taken without a person; a single street found
exactly whose postcode disagrees keeps 0.9, so the address is still placed while the order
checks flag the postcode. The numbers below are tuned with ``bench/geocode.py`` so that a top
candidate at or above ``ACCEPT_CONFIDENCE`` is almost never wrong.

Fuzzy search costs about 0.3 ms in a city of 4,000 streets, so it only runs when no exact
reading is clean: the name was not found as written, or the street found lacks the number, or
the postcode or city contradict it (a typo may have turned one street's name into another's).
"""

from __future__ import annotations

import bisect
import gc
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from scipy.spatial import cKDTree

from doorstep.adapters.geocoding.normalise import (
    city_key,
    compact,
    fold,
    folded,
    is_abbreviated,
    lower,
    number_key,
    number_parts,
    postcode_key,
    street_variants,
    unit_letter,
)
from doorstep.adapters.geocoding.parse import parse_address
from doorstep.adapters.roads.regions import AddressTable, RegionStore
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.geo import EARTH_RADIUS_M, Location
from doorstep.domain.geocoding import Candidate, GeocoderUnavailable, KnownAddress, MatchLevel
from doorstep.domain.orders import Address

# --- How sure a placement is (the fit) ----------------------------------------------------------
# Without a house number, or with one the street does not have, the place is a guess along
# the street: never good enough to be taken without a person.
LEVEL_FIT = {
    MatchLevel.ENTRANCE: 1.0,
    MatchLevel.ADDRESS: 1.0,
    MatchLevel.INTERPOLATED: 0.6,
    MatchLevel.STREET: 0.45,
    MatchLevel.POSTCODE: 0.3,
    MatchLevel.CITY: 0.15,
}
INTERPOLATION_WIDE_FIT = 0.5  # only one known neighbour, or neighbours far apart in numbers
INTERPOLATION_GAP = 20  # numbers between the neighbours beyond which interpolation is "wide"
# "5a" asked where only 5 is mapped (or the reverse), "5-7" where 5 is: the same building or
# the next one, a few metres off.
NEAR_NUMBER_FIT = 0.9
RANGE_FIT = 0.95
# A postcode or city that contradicts the candidate is more often a slip than another place
# (the checks flag it); one the index does not know for the candidate says nothing either way.
AGREE, UNKNOWN, CONTRADICT = "agree", "unknown", "contradict"
POSTCODE_FIT = {AGREE: 1.0, UNKNOWN: 0.97, CONTRADICT: 0.9}
CITY_FIT = {AGREE: 1.0, UNKNOWN: 0.97, CONTRADICT: 0.85}


class How(Enum):
    """How the street's name was matched, from surest to least sure."""

    EXACT = "exact"
    OTHER_NAME = "other name"  # an old, alternative or local name of the street
    EXPANDED = "expanded"  # abbreviations expanded, or diacritics left out
    PREFIX = "prefix"  # a shortened name ("Aleksanterink.") that only a prefix matches
    PART = "part"  # some words of the street text, the others unknown
    FUZZY = "fuzzy"


NAME_FIT = {
    How.EXACT: 1.0,
    How.OTHER_NAME: 0.95,
    How.EXPANDED: 0.97,
    How.PREFIX: 0.9,
    How.PART: 0.9,
}
FUZZY_SLOPE = 1.2  # fit of a fuzzy name: 1 - slope * (1 - similarity)
# --- How strongly evidence tells streets apart (the weights behind the share) ---------------
# A typo that turns one real street's name into another's is rare: a street one typo from the
# text weighs a fiftieth of one matching it exactly (two streets both one typo away weigh
# the same, and then the postcode and the house number decide).
WEIGHT_PER_EDIT = 0.02
_PARSED_KEPT = 20_000  # parsed texts remembered (an import batch asks for each twice)
NAME_WEIGHT = {
    How.EXACT: 1.0,
    How.OTHER_NAME: 0.1,  # a street's real name wins over another street's old name
    How.EXPANDED: 0.9,
    How.PREFIX: 0.5,
    # Words left over may be a building's name, or a typo in a "North" or "West": as
    # likely as a typo, so a street one typo away competes on equal terms.
    How.PART: WEIGHT_PER_EDIT,
}
NUMBER_MISSING_WEIGHT = 0.3  # the street does not have the house number asked for
POSTCODE_WEIGHT = {AGREE: 1.0, UNKNOWN: 0.6, CONTRADICT: 0.05}
CITY_WEIGHT = {AGREE: 1.0, UNKNOWN: 0.6, CONTRADICT: 0.1}
# --- Fuzzy search -------------------------------------------------------------------------------
FUZZY_POOL = 12  # names fetched by rapidfuzz's quick ratio, then scored by edits
FUZZY_CUTOFF = 70.0  # rapidfuzz ratio (0-100) below which a name is not even fetched
FUZZY_MIN_SIMILARITY = 0.72  # 1 - edits / length: two typos in an 8-letter name still pass
PREFIX_LIMIT = 8
# --- Reverse geocoding --------------------------------------------------------------------------
REVERSE_HALF_M = 20.0  # a point this far from an address has confidence 0.5
# --- Tidying the index --------------------------------------------------------------------------
SAME_STREET_M = 1000.0  # one street name in two cities closer than this is one street
DOMINANT_CITY_SHARE = 0.5  # a city holding this share of addresses is the default city


@dataclass(slots=True)
class _Entry:
    """One address: a street and house number, placed once."""

    street: int
    number: str  # as mapped, e.g. "20 B"
    key: str  # normalised for lookup, e.g. "20b"
    value: int | None  # its first number, for interpolation
    last: int | None  # the last number of a range ("14-20")
    postcode: str
    lat: float
    lon: float
    x: float
    y: float
    units: int
    entrance: bool
    doors: dict[str, tuple[float, float]]  # staircase letter -> (lat, lon) of its door


@dataclass
class _Street:
    name: str
    city: str
    city_key: str
    entries: list[int] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # number key -> entry
    by_value: dict[int, list[int]] = field(default_factory=dict)  # first number -> entries
    ranges: list[tuple[int, int, int]] = field(default_factory=list)  # "14-20": low, high, entry
    postcodes: Counter[str] = field(default_factory=Counter)
    centre: int = -1  # the entry nearest the middle of the street's addresses
    line: _NumberLine | None = None  # made on first interpolation


@dataclass(frozen=True)
class _NumberLine:
    """A street's numbered addresses sorted by number, per parity, for interpolation."""

    values: dict[int, npt.NDArray[np.int64]]  # parity -> sorted first numbers
    entries: dict[int, npt.NDArray[np.int64]]  # parity -> entries in the same order


@dataclass(frozen=True)
class _Query:
    street: str
    number: str
    unit: str
    postcode: str
    city: str


@dataclass(frozen=True)
class _Match:
    street: int
    how: How
    edits: int = 0  # for fuzzy matches
    similarity: float = 1.0


@dataclass(frozen=True)
class _Spot:
    """Where on a street the number asked for is, and how sure that is, before the name,
    postcode and city are weighed."""

    lat: float
    lon: float
    number: str
    postcode: str
    level: MatchLevel
    units: int
    fit: float  # the level, and how exactly the number matched
    weight: float  # lower when the street lacks the number


@dataclass(frozen=True)
class _Placed:
    """A candidate before its share is known: where, and how well it fits."""

    spot: _Spot
    street: int
    fit: float
    weight: float
    clean: bool  # nothing contradicts it: no fuzzier search can do better


@dataclass
class _Projection:
    """Metres east and north of the region's centre (equirectangular: fine for a city)."""

    lat0: float
    lon0: float

    @property
    def kx(self) -> float:
        return EARTH_RADIUS_M * math.cos(math.radians(self.lat0)) * math.pi / 180.0

    @property
    def ky(self) -> float:
        return EARTH_RADIUS_M * math.pi / 180.0

    def xy(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def lat_lon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx


class LocalGeocoder:
    """A ``Geocoder`` over one region's OpenStreetMap addresses, without any server."""

    source = "local"

    def __init__(self, table: AddressTable) -> None:
        if len(table) == 0:
            raise GeocoderUnavailable("the region has no addresses to geocode with")
        lat = np.asarray(table.lat, dtype=np.float64)
        lon = np.asarray(table.lon, dtype=np.float64)
        self._projection = _Projection(float(lat.mean()), float(lon.mean()))
        x, y = self._projection.xy(lat, lon)
        self._entries: list[_Entry] = []
        self._streets: list[_Street] = []
        self._xy = np.zeros((0, 2), dtype=np.float64)  # each address's x, y (metres)
        self._exact: dict[str, dict[int, How]] = {}
        self._folded: dict[str, dict[int, How]] = {}
        with _collector_paused():
            self._build_addresses(table, x.tolist(), y.tolist())
            self._build_names(table)
        self._fuzzy_keys = list(self._folded)
        self._sorted_keys = sorted(self._folded)
        self._city_names = sorted({s.city for s in self._streets if s.city})
        self._areas = self._build_areas()
        self._tree = cKDTree(self._xy)
        self._known: list[KnownAddress] | None = None
        self._parsed: dict[str, Address] = {}

    @classmethod
    def from_region(cls, store: RegionStore, name: str) -> LocalGeocoder:
        """The geocoder of a built region; ``GeocoderUnavailable`` if it has no addresses."""
        try:
            table = store.addresses(name)
        except NotFound:
            raise GeocoderUnavailable(
                f"region {name!r} has no address index (build it with: doorstep region build)"
            ) from None
        return cls(table)

    # -- the public API ------------------------------------------------------------------------

    def forward(self, address: Address, *, limit: int = 5) -> list[Candidate]:
        """Candidates for ``address``, most confident first (see the module's docstring)."""
        _check_limit(limit)
        query = self._query(address)
        matches = self._streets_named(query.street) if query.street else []
        placed = [self._place(query, m) for m in matches]
        if query.street and not any(p.clean for p in placed):
            # An exact name that the number, postcode or city contradict may be a typo of
            # another street's name: let the near names compete.
            seen = {m.street for m in matches}
            fuzzy = [m for m in self._fuzzy(query.street) if m.street not in seen]
            placed += [self._place(query, m) for m in fuzzy]
        if not placed:
            return self._area_candidates(query, limit)
        return self._ranked(placed, limit)

    def parse(self, text: str) -> Address:
        """Split free text, knowing the region's city names (so "Helsinki Mannerheimintie 5"
        splits the city off the street)."""
        # Remembered: the checks parse an address and then geocode it, which parses it again.
        found = self._parsed.get(text)
        if found is None:
            if len(self._parsed) >= _PARSED_KEPT:
                self._parsed.clear()
            found = self._parsed[text] = parse_address(text, cities=self._city_names)
        return found

    def reverse(
        self, location: Location, *, limit: int = 1, radius_m: float = 200.0
    ) -> list[Candidate]:
        """Addresses within ``radius_m`` of ``location``, nearest first, with ``distance_m``;
        confidence halves at ``REVERSE_HALF_M`` and keeps falling with the distance."""
        _check_limit(limit)
        if not math.isfinite(radius_m) or radius_m <= 0:
            raise InvalidValue("radius_m", f"must be a positive number of metres, got {radius_m}")
        x, y = self._projection.xy(np.asarray([location.lat]), np.asarray([location.lon]))
        k = min(limit, len(self._entries))
        distances, indices = self._tree.query(
            [float(x[0]), float(y[0])], k=k, distance_upper_bound=radius_m
        )
        found: list[Candidate] = []
        for distance, index in zip(
            np.atleast_1d(distances).tolist(), np.atleast_1d(indices).tolist(), strict=True
        ):
            if not math.isfinite(distance):
                break  # no more addresses within the radius
            entry = self._entries[index]
            confidence = 1.0 / (1.0 + (distance / REVERSE_HALF_M) ** 2)
            level = MatchLevel.ENTRANCE if entry.entrance else MatchLevel.ADDRESS
            found.append(self._candidate(entry, confidence, level, distance_m=distance))
        return found

    def addresses(self) -> list[KnownAddress]:
        """Every address of the index, once each (sample orders and benchmarks draw on them)."""
        if self._known is None:
            self._known = [
                KnownAddress(
                    street=self._streets[e.street].name,
                    house_number=e.number,
                    postcode=e.postcode,
                    city=self._streets[e.street].city,
                    location=Location(e.lat, e.lon),
                    units=e.units,
                    entrance=e.entrance,
                )
                for e in self._entries
            ]
        return list(self._known)

    def postcodes(self) -> list[str]:
        """The region's postcodes, sorted."""
        return sorted({e.postcode for e in self._entries if e.postcode})

    def cities(self) -> list[str]:
        """The region's cities as its addresses name them, sorted."""
        return list(self._city_names)

    # -- building the index ----------------------------------------------------------------------

    def _build_addresses(self, table: AddressTable, x: list[float], y: list[float]) -> None:
        streets = table.street.tolist()
        raw_cities = table.city.tolist()
        street_keys = _each(_street_key, streets)
        city_keys = _assign_cities(street_keys, _each(city_key, raw_cities), x, y)
        street_of: dict[tuple[str, str], int] = {}
        identities = zip(street_keys, city_keys, strict=True)
        sids = [street_of.setdefault(key, len(street_of)) for key in identities]
        # Each street is shown as most of its addresses spell it.
        spelled: dict[int, tuple[int, str]] = {}
        for (sid, name), count in Counter(zip(sids, streets, strict=True)).items():
            if sid not in spelled or count > spelled[sid][0]:
                spelled[sid] = (count, name)
        shown_city = _display_cities(raw_cities)
        for (_, city), sid in street_of.items():
            name = spelled[sid][1]
            self._streets.append(_Street(name=name, city=shown_city.get(city, ""), city_key=city))
        rows_of: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
        number_keys = _each(number_key, table.housenumber.tolist())
        for row, pair in enumerate(zip(sids, number_keys, strict=True)):
            rows_of[pair].append(row)
        columns = _Columns.of(table, x, y)
        for (sid, key), rows in rows_of.items():
            self._add_entry(sid, key, rows, columns)
        self._xy = np.column_stack(
            ([e.x for e in self._entries], [e.y for e in self._entries])
        ).astype(np.float64)
        for street in self._streets:
            _fill_postcodes(street, self._entries)
            street.centre = _centre(street.entries, self._xy)

    def _add_entry(self, sid: int, key: str, rows: list[int], c: _Columns) -> None:
        parts = number_parts(key)
        value, last = (parts[0], parts[2]) if parts else (None, None)
        if len(rows) == 1:  # most addresses are one point: nothing to choose
            (r,) = rows
            entry = _Entry(
                sid, c.number[r], key, value, last, c.postcode[r], c.lat[r], c.lon[r],
                c.x[r], c.y[r], c.units[r], c.entrance[r],
                {unit_letter(c.unit[r]): (c.lat[r], c.lon[r])} if c.unit[r] else {},
            )  # fmt: skip
        else:
            entry = _merged_entry(sid, key, value, last, rows, c)
        index = len(self._entries)
        self._entries.append(entry)
        street = self._streets[sid]
        street.entries.append(index)
        street.numbers[key] = index
        if entry.value is not None:
            street.by_value.setdefault(entry.value, []).append(index)
            if entry.last is not None:
                low, high = sorted((entry.value, entry.last))
                street.ranges.append((low, high, index))
        if entry.postcode:
            street.postcodes[entry.postcode] += 1

    def _build_names(self, table: AddressTable) -> None:
        """Each street under its own name and every alias its ways carry."""
        groups: defaultdict[str, list[tuple[str, bool]]] = defaultdict(list)
        group_of: defaultdict[str, set[str]] = defaultdict(set)
        for street, alias, secondary in zip(
            table.alias_street.tolist(),
            table.alias_name.tolist(),
            table.alias_secondary.tolist(),
            strict=True,
        ):
            groups[street].append((alias, bool(secondary)))
            group_of[_street_key(street)].add(street)
            if not secondary:  # addresses may use the Swedish name where ways use the Finnish
                group_of[_street_key(alias)].add(street)
        for sid, street in enumerate(self._streets):
            self._register(street.name, sid, How.EXACT)
            for way_name in sorted(group_of.get(_street_key(street.name), ())):
                self._register(way_name, sid, How.EXACT)
                for alias, secondary in groups[way_name]:
                    self._register(alias, sid, How.OTHER_NAME if secondary else How.EXACT)

    def _register(self, name: str, sid: int, how: How) -> None:
        for index, key in ((self._exact, compact(name)), (self._folded, folded(name))):
            if not key:
                continue
            known = index.setdefault(key, {})
            if sid not in known or _rank(how) < _rank(known[sid]):
                known[sid] = how

    def _build_areas(self) -> dict[str, tuple[int, str]]:
        """Postcodes and cities (by key) -> the address at their middle, and their name."""
        by_area: defaultdict[str, list[int]] = defaultdict(list)
        names: dict[str, str] = {}
        keys = {p: postcode_key(p) for p in {e.postcode for e in self._entries}}
        for index, entry in enumerate(self._entries):
            street = self._streets[entry.street]
            if entry.postcode:
                key = "postcode:" + keys[entry.postcode]
                by_area[key].append(index)
                names[key] = entry.postcode
            if street.city_key:
                by_area["city:" + street.city_key].append(index)
                names["city:" + street.city_key] = street.city
        return {key: (_centre(members, self._xy), names[key]) for key, members in by_area.items()}

    # -- forward geocoding ---------------------------------------------------------------------

    def _query(self, address: Address) -> _Query:
        """The structured parts, filled from the free text where not given."""
        parsed = self.parse(address.as_given)
        street, number = address.street, address.house_number
        if street and not number:
            # A street column holding the number as well: "Mannerheimintie 5 A".
            inner = self.parse(street)
            if inner.street and inner.house_number:
                street, number = inner.street, inner.house_number
        city = address.city or parsed.city
        if not street:
            street, number = parsed.street, number or parsed.house_number
            street, city = self._city_in_street(address.as_given, street, city)
        return _Query(
            street=street,
            number=number,
            unit=address.unit or parsed.unit,
            postcode=address.postcode or parsed.postcode,
            city=city,
        )

    def _city_in_street(self, text: str, street: str, city: str) -> tuple[str, str]:
        """The parser splits a city name off a street written without a comma ("Helsinki
        Mannerheimintie"); but "Dundalk Avenue" in Dundalk is a street: keep it whole when
        the whole is a street's name."""
        if not city or not street:
            return street, city
        lowered = lower(text)
        for whole in (f"{city} {street}", f"{street} {city}"):
            if lower(whole) in lowered and self._lookup(
                self._exact, street_variants(whole)[:1], How.EXACT
            ):
                return whole, ""
        return street, city

    def _streets_named(self, text: str) -> list[_Match]:
        """Streets the text names without typos: exactly, expanded, folded, by prefix, or by
        part of its words; the first way that finds any wins."""
        variants = street_variants(text)
        if not variants:
            return []
        found = self._lookup(self._exact, variants[:1], How.EXACT)
        found = found or self._lookup(self._exact, variants[1:], How.EXPANDED)
        found = found or self._lookup(self._folded, [fold(v) for v in variants], How.EXPANDED)
        if not found and is_abbreviated(text):
            found = self._prefixed(folded(text.rstrip().rstrip(".")))
        if not found:
            found = self._part_of(text)
        return found

    def _lookup(
        self, index: dict[str, dict[int, How]], keys: Iterable[str], how: How
    ) -> list[_Match]:
        best: dict[int, How] = {}
        for key in keys:
            for sid, named in index.get(key, {}).items():
                # A street found by another name keeps that (weaker) reading.
                reading = named if named is How.OTHER_NAME else how
                if sid not in best or _rank(reading) < _rank(best[sid]):
                    best[sid] = reading
        return [_Match(sid, how) for sid, how in best.items()]

    def _prefixed(self, stem: str) -> list[_Match]:
        """Streets whose folded name starts with ``stem``: a shortened name such as
        "Aleksanterink." whose short form the abbreviation tables do not know."""
        if len(stem) < 4:
            return []
        start = bisect.bisect_left(self._sorted_keys, stem)
        found: dict[int, How] = {}
        for key in self._sorted_keys[start : start + PREFIX_LIMIT]:
            if not key.startswith(stem):
                break
            for sid in self._folded[key]:
                found[sid] = How.PREFIX
        return [_Match(sid, how) for sid, how in found.items()]

    def _part_of(self, text: str) -> list[_Match]:
        """Words around the street that the parser could not place ("Kaivopiha Mannerheimintie")."""
        words = text.split()
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size + 1):
                part = " ".join(words[start : start + size])
                found = self._lookup(self._exact, street_variants(part)[:1], How.PART)
                found = found or self._lookup(self._folded, [folded(part)], How.PART)
                if found:
                    return found
        return []

    def _fuzzy(self, text: str) -> list[_Match]:
        """Streets within a few typos of the text, by edits (a swap of two letters is one)."""
        key = folded(text)
        if len(key) < 3:
            return []
        best: dict[int, _Match] = {}
        for name, _, index in process.extract(
            key, self._fuzzy_keys, scorer=fuzz.ratio, limit=FUZZY_POOL, score_cutoff=FUZZY_CUTOFF
        ):
            # Equal without diacritics but not with them (Bodastrasse, Bödastrasse): the text
            # matched another street exactly, and this one is a slip away from it.
            edits = OSA.distance(key, name) or 1
            similarity = 1.0 - edits / max(len(key), len(name))
            if similarity < FUZZY_MIN_SIMILARITY:
                continue
            for sid, how in self._folded[self._fuzzy_keys[index]].items():
                match = _Match(sid, How.FUZZY if how is How.EXACT else how, edits, similarity)
                if sid not in best or best[sid].edits > edits:
                    best[sid] = match
        return list(best.values())

    def _place(self, query: _Query, match: _Match) -> _Placed:
        """Where ``match``'s street has the number asked for, and how well that fits."""
        street = self._streets[match.street]
        spot = self._spot(street, query)
        postcode_says = _postcode_agreement(query.postcode, spot.postcode, street)
        city_says = self._city_agreement(query.city, street)
        fit = (
            spot.fit
            * _name_fit(match)
            * (POSTCODE_FIT[postcode_says] if query.postcode else 1.0)
            * (CITY_FIT[city_says] if query.city else 1.0)
        )
        weight = (
            _name_weight(match)
            * spot.weight
            * (POSTCODE_WEIGHT[postcode_says] if query.postcode else 1.0)
            * (CITY_WEIGHT[city_says] if query.city else 1.0)
        )
        clean = (
            match.how in (How.EXACT, How.EXPANDED, How.OTHER_NAME)
            and (not query.number or spot.level in (MatchLevel.ADDRESS, MatchLevel.ENTRANCE))
            and (not query.postcode or postcode_says != CONTRADICT)
            and (not query.city or city_says != CONTRADICT)
        )
        return _Placed(spot, match.street, fit, weight, clean)

    def _spot(self, street: _Street, query: _Query) -> _Spot:
        """The place on ``street`` for the number asked: its address (at the door of the
        staircase asked for, if mapped), else interpolated, else the street's middle."""
        found = self._number(street, query) if query.number else None
        if found is not None:
            index, number_fit = found
            entry = self._entries[index]
            door = entry.doors.get(unit_letter(query.unit)) if query.unit else None
            lat, lon = door or (entry.lat, entry.lon)
            level = MatchLevel.ENTRANCE if entry.entrance or door else MatchLevel.ADDRESS
            fit = LEVEL_FIT[level] * number_fit
            return _Spot(lat, lon, entry.number, entry.postcode, level, entry.units, fit, 1.0)
        if query.number:
            lat, lon, postcode, wide = self._interpolate(street, query.number)
            level = MatchLevel.INTERPOLATED
            fit = INTERPOLATION_WIDE_FIT if wide else LEVEL_FIT[level]
            return _Spot(lat, lon, query.number, postcode, level, 0, fit, NUMBER_MISSING_WEIGHT)
        centre = self._entries[street.centre]
        postcode = _street_postcode(street, query.postcode)
        level = MatchLevel.STREET
        return _Spot(centre.lat, centre.lon, "", postcode, level, 0, LEVEL_FIT[level], 1.0)

    def _number(self, street: _Street, query: _Query) -> tuple[int, float] | None:
        """The street's address with the number asked for, and how exactly it is that one."""
        key = number_key(query.number)
        letter = unit_letter(query.unit)
        parts = number_parts(key)
        # "5 B" as number and staircase may be mapped as the house number "5 B".
        if letter and parts is not None and not parts[1] and parts[2] is None:
            found = street.numbers.get(key + letter)
            if found is not None:
                return found, 1.0
        found = street.numbers.get(key)
        if found is not None:
            return found, 1.0
        if parts is None:
            return None
        first, suffix, last = parts
        same_first = street.by_value.get(first, [])
        if suffix or last is not None:
            # "5a" or "5-7" asked, 5 mapped (or "5b"): the same or the next building.
            plain = [i for i in same_first if self._entries[i].key == str(first)]
            chosen = plain or same_first
            if chosen:
                return chosen[0], NEAR_NUMBER_FIT if suffix else RANGE_FIT
        elif same_first:
            return same_first[0], NEAR_NUMBER_FIT  # 5 asked, only "5a" and "5b" mapped
        for low, high, index in street.ranges:
            if low <= first <= high and (first - low) % 2 == 0:
                return index, RANGE_FIT  # 16 in "14-20"
        return None

    def _interpolate(self, street: _Street, number: str) -> tuple[float, float, str, bool]:
        """A place for a number the street lacks, between its neighbours of the same parity
        (the same side of the street), with the postcode of the nearer one; and whether the
        guess is wide (one neighbour only, or neighbours far apart in numbers)."""
        parts = number_parts(number_key(number))
        centre = self._entries[street.centre]
        if street.line is None:
            street.line = _number_line(street, self._entries)
        line = street.line
        if parts is None:
            return centre.lat, centre.lon, centre.postcode, True
        value = parts[0]
        parity = value % 2 if len(line.values[value % 2]) else 1 - value % 2
        values, entries = line.values[parity], line.entries[parity]
        if not len(values):
            return centre.lat, centre.lon, centre.postcode, True
        at = int(np.searchsorted(values, value))
        if 0 < at < len(values):
            low, high = self._entries[int(entries[at - 1])], self._entries[int(entries[at])]
            v_low, v_high = int(values[at - 1]), int(values[at])
            t = (value - v_low) / (v_high - v_low) if v_high != v_low else 0.5
            lat, lon = self._projection.lat_lon(
                low.x + t * (high.x - low.x), low.y + t * (high.y - low.y)
            )
            nearer = low if t < 0.5 else high
            return lat, lon, nearer.postcode, v_high - v_low > INTERPOLATION_GAP
        edge = self._entries[int(entries[min(at, len(values) - 1)])]
        return edge.lat, edge.lon, edge.postcode, True

    def _city_agreement(self, city: str, street: _Street) -> str:
        if not city:
            return AGREE
        if not street.city_key:
            return UNKNOWN
        key = city_key(city)
        if key == street.city_key or fuzz.ratio(key, street.city_key) >= 85:
            return AGREE
        return CONTRADICT

    def _ranked(self, placed: list[_Placed], limit: int) -> list[Candidate]:
        """Candidates by confidence: fit times the street's share of the evidence."""
        best: dict[int, _Placed] = {}
        for p in placed:  # one candidate per street: its best reading
            if (
                p.street not in best
                or p.fit * p.weight > best[p.street].fit * best[p.street].weight
            ):
                best[p.street] = p
        total = sum(p.weight for p in best.values())
        scored = sorted(
            ((p.fit * (p.weight / total if total > 0 else 0.0), p) for p in best.values()),
            key=lambda item: -item[0],
        )
        return [self._placed_candidate(p, min(1.0, c)) for c, p in scored[:limit]]

    def _placed_candidate(self, placed: _Placed, confidence: float) -> Candidate:
        street, spot = self._streets[placed.street], placed.spot
        return Candidate(
            location=Location(spot.lat, spot.lon),
            street=street.name,
            house_number=spot.number,
            postcode=spot.postcode,
            city=street.city,
            confidence=round(confidence, 4),
            level=spot.level,
            units=spot.units,
            source=self.source,
        )

    def _candidate(
        self,
        entry: _Entry,
        confidence: float,
        level: MatchLevel,
        *,
        distance_m: float | None = None,
    ) -> Candidate:
        street = self._streets[entry.street]
        return Candidate(
            location=Location(entry.lat, entry.lon),
            street=street.name,
            house_number=entry.number,
            postcode=entry.postcode,
            city=street.city,
            confidence=round(confidence, 4),
            level=level,
            units=entry.units,
            distance_m=None if distance_m is None else round(distance_m, 1),
            source=self.source,
        )

    def _area_candidates(self, query: _Query, limit: int) -> list[Candidate]:
        """No street found: the middle of the postcode area, else of the city, if known."""
        found: list[Candidate] = []
        areas = (
            ("postcode:" + postcode_key(query.postcode), MatchLevel.POSTCODE, query.postcode),
            ("city:" + city_key(query.city), MatchLevel.CITY, query.city),
        )
        for key, level, given in areas:
            area = self._areas.get(key) if given else None
            if area is None:
                continue
            entry = self._entries[area[0]]
            street = self._streets[entry.street]
            found.append(
                Candidate(
                    location=Location(entry.lat, entry.lon),
                    street="",
                    house_number="",
                    postcode=area[1] if level is MatchLevel.POSTCODE else "",
                    city=street.city,
                    confidence=LEVEL_FIT[level],
                    level=level,
                    source=self.source,
                )
            )
        return found[:limit]


# -- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """The table's columns as Python lists (indexing NumPy arrays one by one is slow)."""

    number: list[str]
    postcode: list[str]
    lat: list[float]
    lon: list[float]
    x: list[float]
    y: list[float]
    entrance: list[bool]
    outline: list[bool]
    units: list[int]
    unit: list[str]

    @classmethod
    def of(cls, table: AddressTable, x: list[float], y: list[float]) -> _Columns:
        return cls(
            number=table.housenumber.tolist(),
            postcode=[p.strip() for p in table.postcode.tolist()],
            lat=table.lat.tolist(),
            lon=table.lon.tolist(),
            x=x,
            y=y,
            entrance=table.entrance.tolist(),
            outline=table.outline.tolist(),
            units=[int(u) for u in table.units.tolist()],
            unit=table.unit.tolist(),
        )


_ORDER = list(How)


def _rank(how: How) -> int:
    return _ORDER.index(how)


def _street_key(name: str) -> str:
    return compact(name)


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise InvalidValue("limit", f"must be at least 1, got {limit}")


def _name_fit(match: _Match) -> float:
    if match.how is How.FUZZY:
        return max(0.0, 1.0 - FUZZY_SLOPE * (1.0 - match.similarity))
    fit = NAME_FIT[match.how]
    if match.edits:  # another name of the street, itself found fuzzily
        fit *= max(0.0, 1.0 - FUZZY_SLOPE * (1.0 - match.similarity))
    return fit


def _name_weight(match: _Match) -> float:
    if match.how is How.FUZZY:
        return float(WEIGHT_PER_EDIT**match.edits)
    return NAME_WEIGHT[match.how] * WEIGHT_PER_EDIT**match.edits


def _postcode_agreement(given: str, found: str, street: _Street) -> str:
    if not given:
        return AGREE
    asked = postcode_key(given)
    if found:
        return AGREE if postcode_key(found) == asked else CONTRADICT
    if not street.postcodes:
        return UNKNOWN
    known = {postcode_key(p) for p in street.postcodes}
    return AGREE if asked in known else CONTRADICT


def _street_postcode(street: _Street, given: str) -> str:
    """A street-level candidate's postcode: the one asked for if the street has it."""
    asked = postcode_key(given) if given else ""
    for postcode in street.postcodes:
        if postcode_key(postcode) == asked:
            return postcode
    common = street.postcodes.most_common(1)
    return common[0][0] if common else ""


def _centre(members: Sequence[int], xy: npt.NDArray[np.float64]) -> int:
    """The member nearest the mean position of all members."""
    points = xy[np.asarray(members, dtype=np.int64)]
    offsets = points - points.mean(axis=0)
    return int(members[int(np.argmin(np.einsum("ij,ij->i", offsets, offsets)))])


def _number_line(street: _Street, entries: list[_Entry]) -> _NumberLine:
    values: dict[int, npt.NDArray[np.int64]] = {}
    ordered: dict[int, npt.NDArray[np.int64]] = {}
    for parity in (0, 1):
        members = [
            i
            for i in street.entries
            if entries[i].value is not None and (entries[i].value or 0) % 2 == parity
        ]
        members.sort(key=lambda i: entries[i].value or 0)
        values[parity] = np.asarray([entries[i].value for i in members], dtype=np.int64)
        ordered[parity] = np.asarray(members, dtype=np.int64)
    return _NumberLine(values, ordered)


def _fill_postcodes(street: _Street, entries: list[_Entry]) -> None:
    """Addresses mapped without a postcode take their street's, when the street has only one
    (seen on at least two addresses): a street rarely has a second nobody mapped."""
    if len(street.postcodes) != 1:
        return
    postcode, seen = next(iter(street.postcodes.items()))
    if seen < 2:
        return
    for index in street.entries:
        if not entries[index].postcode:
            entries[index].postcode = postcode


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: building the index makes hundreds of thousands of
    small objects and no cycles, and the collector, set off by every few hundred of them,
    would spend two thirds of the time scanning them (1.5 s instead of 0.5 s for 135k)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _merged_entry(
    sid: int, key: str, value: int | None, last: int | None, rows: list[int], c: _Columns
) -> _Entry:
    """One address from several points: the door it was mapped with is where a courier
    goes; else the middle of its building outline; else of its points (shops inside it)."""
    doors = [r for r in rows if c.entrance[r]]
    main_doors = [r for r in doors if not c.unit[r]] or doors
    chosen = main_doors[:1] or [r for r in rows if c.outline[r]] or rows
    postcodes = Counter(c.postcode[r] for r in rows if c.postcode[r]).most_common(1)
    return _Entry(
        street=sid,
        number=Counter(c.number[r] for r in rows).most_common(1)[0][0],
        key=key,
        value=value,
        last=last,
        postcode=postcodes[0][0] if postcodes else "",
        lat=sum(c.lat[r] for r in chosen) / len(chosen),
        lon=sum(c.lon[r] for r in chosen) / len(chosen),
        x=sum(c.x[r] for r in chosen) / len(chosen),
        y=sum(c.y[r] for r in chosen) / len(chosen),
        units=max(c.units[r] for r in rows),
        entrance=bool(doors),
        doors={
            unit_letter(c.unit[r]): (c.lat[r], c.lon[r])
            for r in reversed(doors)
            if c.unit[r] and unit_letter(c.unit[r])
        },
    )


def _each(function: Callable[[str], str], values: list[str]) -> list[str]:
    """``function`` of every value, computed once per distinct value (columns repeat a lot)."""
    done = {value: function(value) for value in set(values)}
    return [done[value] for value in values]


def _display_cities(raw: list[str]) -> dict[str, str]:
    """Each city key's most common spelling."""
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for city, count in Counter(raw).items():
        if city:
            spellings[city_key(city)][city] += count
    return {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}


def _assign_cities(
    street_keys: list[str], city_keys: list[str], x: list[float], y: list[float]
) -> list[str]:
    """A city key for every row: its own, else that of the same street nearby, else the
    region's main city. One street name in two cities close together is one street (a slip
    in the data like "Helsingin kaupunki" beside "Helsinki"): it joins the larger."""
    city_keys = list(city_keys)
    groups: defaultdict[str, defaultdict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row, (key, city) in enumerate(zip(street_keys, city_keys, strict=True)):
        if city:
            groups[key][city].append(row)
    counted = Counter(c for c in city_keys if c)
    main = ""
    if counted:
        top, count = counted.most_common(1)[0]
        main = top if count >= DOMINANT_CITY_SHARE * len(city_keys) else ""
    centres = {
        key: _merge_close_cities(by_city, x, y, city_keys) for key, by_city in groups.items()
    }
    for row, key in enumerate(street_keys):
        if city_keys[row]:
            continue
        near = centres.get(key)
        if not near:
            city_keys[row] = main
            continue
        city_keys[row] = min(near, key=lambda c: (c[1] - x[row]) ** 2 + (c[2] - y[row]) ** 2)[0]
    return city_keys


def _merge_close_cities(
    by_city: dict[str, list[int]], x: list[float], y: list[float], city_keys: list[str]
) -> list[tuple[str, float, float]]:
    """Cities of one street name, largest first, smaller ones close to a larger merged in;
    returns each remaining city with the centre of its rows (and relabels merged rows)."""
    if len(by_city) == 1:
        ((city, rows),) = by_city.items()
        return [(city, sum(x[r] for r in rows) / len(rows), sum(y[r] for r in rows) / len(rows))]
    ordered = sorted(by_city.items(), key=lambda item: -len(item[1]))
    kept: list[tuple[str, float, float]] = []
    for city, rows in ordered:
        cx = sum(x[r] for r in rows) / len(rows)
        cy = sum(y[r] for r in rows) / len(rows)
        host = next((k for k in kept if math.hypot(k[1] - cx, k[2] - cy) < SAME_STREET_M), None)
        if host is None:
            kept.append((city, cx, cy))
            continue
        for r in rows:
            city_keys[r] = host[0]
    return kept
