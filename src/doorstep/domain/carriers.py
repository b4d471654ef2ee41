"""Carriers: who can carry an order (the organisation's own fleet or a partner), where, and how.

A ``Carrier`` says what it serves (service levels, coverage, parcel limits, order tags it
accepts, parcels per day); its prices live in ``domain.rates`` (one ``RateCard`` per carrier
and service level) and the time it promises in a ``Promise``.

Decisions a person may ask about:

- An empty ``Coverage`` covers nothing, never everything: a carrier imported without an area
  must not silently receive every order of the country.
- Postcode prefixes are compared without spaces and in upper case ("00 100" is "00100");
  a location is inside a polygon by ray casting on (lat, lon) taken as a plane, which is
  exact enough for a city or a region but not for areas crossing the antimeridian or a pole.
- A point exactly on a polygon's edge may fall either side (ray casting's usual ambiguity);
  coverage areas are drawn with a margin, so this is harmless in practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from doorstep.domain.checks import aware, positive, text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import check_skills
from doorstep.domain.geo import Location
from doorstep.domain.orders import Order, ProofKind
from doorstep.domain.schedules import TimeWindow, Weekday

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PREFIX = re.compile(r"^[A-Z0-9]{1,10}$")

WORKING_DAYS = frozenset(
    [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]
)


class ServiceLevel(StrEnum):
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    SCHEDULED = "scheduled"  # within the window the order asks for


class CarrierKind(StrEnum):
    OWN_FLEET = "own_fleet"  # the organisation's vehicles, planned by doorstep
    PARTNER = "partner"  # a courier or parcel carrier the orders are handed to


def normal_postcode(postcode: str) -> str:
    """A postcode as prefixes are compared: upper case, without spaces ("sw1a 1aa" -> "SW1A1AA")."""
    return "".join(postcode.split()).upper()


def check_prefixes(field: str, prefixes: frozenset[str]) -> None:
    """Postcode prefixes are written normalised: 1-10 upper-case letters or digits."""
    for prefix in prefixes:
        if not _PREFIX.match(prefix):
            raise InvalidValue(
                field,
                f"postcode prefix {prefix!r} must be 1-10 upper-case letters or digits "
                "without spaces, e.g. 005",
            )


def longest_prefix(postcode: str, prefixes: frozenset[str]) -> str | None:
    """The longest of ``prefixes`` that ``postcode`` starts with, or None."""
    code = normal_postcode(postcode)
    matches = [prefix for prefix in prefixes if code.startswith(prefix)]
    return max(matches, key=len) if matches else None


Polygon = tuple[tuple[float, float], ...]
"""A closed ring of (lat, lon) vertices; the last vertex joins the first."""


@dataclass(frozen=True)
class Coverage:
    """Where a carrier delivers: postcode prefixes and/or polygons. Empty covers nothing."""

    postcode_prefixes: frozenset[str] = frozenset()
    polygons: tuple[Polygon, ...] = ()

    def __post_init__(self) -> None:
        check_prefixes("coverage.postcode_prefixes", self.postcode_prefixes)
        for number, polygon in enumerate(self.polygons, start=1):
            if len(polygon) < 3:
                raise InvalidValue(
                    "coverage.polygons",
                    f"polygon {number} has {len(polygon)} vertices; a polygon needs at least 3",
                )
            for lat, lon in polygon:
                Location(lat, lon)  # the same range checks as any point

    @property
    def empty(self) -> bool:
        return not self.postcode_prefixes and not self.polygons

    def covers(self, postcode: str | None, location: Location | None) -> bool:
        """True when the postcode starts with a prefix or the location lies in a polygon."""
        if postcode and longest_prefix(postcode, self.postcode_prefixes) is not None:
            return True
        if location is not None:
            return any(_inside(location, polygon) for polygon in self.polygons)
        return False


def _inside(point: Location, polygon: Polygon) -> bool:
    """Ray casting: count the edges a ray from the point towards growing lon crosses."""
    inside = False
    previous = polygon[-1]
    for vertex in polygon:
        (lat_a, lon_a), (lat_b, lon_b) = previous, vertex
        if (lat_a > point.lat) != (lat_b > point.lat):
            crossing_lon = lon_a + (point.lat - lat_a) * (lon_b - lon_a) / (lat_b - lat_a)
            if point.lon < crossing_lon:
                inside = not inside
        previous = vertex
    return inside


AGE_CHECK = "age_check"


def order_tags(order: Order) -> frozenset[str]:
    """What an order asks of a carrier beyond plain parcels, to compare with ``handles``: the
    skills it requires (refrigerated, lift_gate, adr) and age_check for a minimum-age proof.
    Size ("bulky") is not a tag: it is measured against ``max_weight_kg`` and ``max_side_cm``."""
    tags = set(order.required_skills)
    if order.proof.kind is ProofKind.MINIMUM_AGE:
        tags.add(AGE_CHECK)
    return frozenset(tags)


# The proofs a partner may declare it captures on delivery (``Carrier.proofs``). A minimum-age
# check is not among them: a partner that checks ages says so with the age_check tag it
# handles (``order_tags``), which is also how rate shopping reads it.
PARTNER_PROOFS = frozenset({ProofKind.SIGNATURE, ProofKind.PHOTO, ProofKind.PIN})


@dataclass
class Carrier:
    """One way to deliver: the own fleet or a partner, with what it accepts.

    ``capacity_per_day`` counts parcels (None: no limit agreed); ``max_weight_kg`` and
    ``max_side_cm`` apply to each parcel (None: no limit); ``handles`` lists the order tags it
    accepts beyond plain parcels, as ``order_tags`` names them: the skills an order requires
    (refrigerated, lift_gate, adr) and age_check. ``cutoff`` and ``deliver_by`` are the local
    times of its same-day and next-day promises (one pair for both: booked by the cutoff,
    delivered by ``deliver_by`` that day or the next working day; see ``Promise``).
    ``proofs`` are the proofs of delivery a partner captures and sends with its delivered
    event (signature with the recipient's name, photo, PIN; see ``captures``).
    """

    id: str
    organisation_id: str
    code: str
    name: str
    kind: CarrierKind
    service_levels: frozenset[ServiceLevel]
    coverage: Coverage
    created_at: datetime
    capacity_per_day: int | None = None
    max_weight_kg: float | None = None
    max_side_cm: float | None = None
    handles: frozenset[str] = frozenset()
    active: bool = True
    cutoff: time | None = None
    deliver_by: time | None = None
    proofs: frozenset[ProofKind] = frozenset()

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidValue(
                "code", "must be 1-40 lower-case letters, digits, '_' or '-', e.g. kaupunkikuriiri"
            )
        text("name", self.name, max_length=100)
        if not self.service_levels:
            raise InvalidValue(
                "service_levels", "must name at least one of same_day, next_day, scheduled"
            )
        if self.capacity_per_day is not None:
            if isinstance(self.capacity_per_day, bool) or not isinstance(
                self.capacity_per_day, int
            ):
                raise InvalidValue("capacity_per_day", "must be a whole number of parcels")
            positive("capacity_per_day", self.capacity_per_day)
        if self.max_weight_kg is not None:
            positive("max_weight_kg", self.max_weight_kg)
        if self.max_side_cm is not None:
            positive("max_side_cm", self.max_side_cm)
        check_skills("handles", self.handles)
        if self.proofs - PARTNER_PROOFS:
            odd = ", ".join(sorted(k.value for k in self.proofs - PARTNER_PROOFS))
            raise InvalidValue(
                "proofs",
                f"{odd} is not a proof a carrier declares: write signature, photo and/or pin "
                "(an age check is the age_check tag under handles)",
            )
        aware("created_at", self.created_at)

    def promise(self, level: ServiceLevel) -> Promise:
        """What the carrier promises for ``level``; InvalidValue when its times are missing."""
        if level is ServiceLevel.SCHEDULED:
            return Promise(level)
        return Promise(level, self.cutoff, self.deliver_by)

    def serves(self, level: ServiceLevel) -> bool:
        return self.active and level in self.service_levels

    def captures(self, kind: ProofKind) -> bool:
        """Whether a delivery by this carrier can bring a ``kind`` proof: the own fleet's
        drivers capture every kind; a partner the ones it declares (a minimum-age check when
        it handles age_check)."""
        if kind is ProofKind.NONE or self.kind is CarrierKind.OWN_FLEET:
            return True
        if kind is ProofKind.MINIMUM_AGE:
            return AGE_CHECK in self.handles
        return kind in self.proofs

    def unhandled(self, tags: frozenset[str]) -> frozenset[str]:
        """The tags of an order (``order_tags``) this carrier does not accept; empty: all fine."""
        return tags - self.handles


@dataclass(frozen=True)
class Promise:
    """When a service level delivers, given the moment the order is booked.

    - same day: booked on a working day by ``cutoff`` (local time), delivered by
      ``deliver_by`` that day; booked later, by ``deliver_by`` on the next working day.
    - next day: booked on a working day by ``cutoff``, delivered by ``deliver_by`` on the next
      working day; booked later (or on a day off), one working day later still.
    - scheduled: within the order's own window, so the deadline is the window's end.
    """

    service_level: ServiceLevel
    cutoff: time | None = None
    deliver_by: time | None = None
    working_days: frozenset[Weekday] = WORKING_DAYS

    def __post_init__(self) -> None:
        if self.service_level is ServiceLevel.SCHEDULED:
            if self.cutoff is not None or self.deliver_by is not None:
                raise InvalidValue(
                    "deliver_by", "a scheduled promise follows the order's window; leave it out"
                )
        else:
            if self.deliver_by is None or self.cutoff is None:
                raise InvalidValue(
                    "deliver_by",
                    f"a {self.service_level.value} promise needs a cutoff and a deliver_by "
                    "time, e.g. booked by 14:00, delivered by 21:00",
                )
            if self.service_level is ServiceLevel.SAME_DAY and self.deliver_by <= self.cutoff:
                raise InvalidValue(
                    "deliver_by",
                    f"must be after the cutoff ({self.cutoff.isoformat('minutes')}) for same day",
                )
        if not self.working_days:
            raise InvalidValue("working_days", "must name at least one weekday")

    def due(self, booked_at: datetime, zone: tzinfo, window: TimeWindow | None = None) -> datetime:
        """The latest delivery the promise allows, as an aware instant in ``zone``."""
        aware("booked_at", booked_at)
        if self.service_level is ServiceLevel.SCHEDULED:
            if window is None:
                raise InvalidValue("window", "a scheduled promise needs the order's time window")
            return window.end_at
        assert self.cutoff is not None  # checked on creation
        assert self.deliver_by is not None
        local = booked_at.astimezone(zone)
        day = local.date()
        in_time = self._working(day) and local.time() <= self.cutoff
        if not in_time:
            day = self._next_working(day)
        if self.service_level is ServiceLevel.NEXT_DAY:
            day = self._next_working(day)
        return datetime.combine(day, self.deliver_by, tzinfo=zone)

    def _working(self, day: date) -> bool:
        return Weekday(day.weekday()) in self.working_days

    def _next_working(self, day: date) -> date:
        day += timedelta(days=1)
        while not self._working(day):
            day += timedelta(days=1)
        return day
