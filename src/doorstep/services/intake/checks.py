"""The data checks every order goes through before it may be planned.

Each check adds a named ``Flag`` (``domain.flags``: the code fixes its severity). The geocoder
places the address; the road network says whether a van can get there and when; the station
says where it delivers and when it works. Checks run in batches, because the travel questions
(snapping, the drive from the station) are far cheaper asked for many orders at once.

The checks that need nothing but the order's own values (what the geocoder says about the
address, whether the phone and e-mail are valid) are pure CPU work: an import does them
ahead in a worker process (``ahead.py``) and hands them to ``run`` as ``Prechecked``. What
the orders' flags and places become is decided here in either case, by the same code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import email_validator
import numpy as np
import phonenumbers

from doorstep.domain.errors import NotFound
from doorstep.domain.flags import Flag, FlagCode
from doorstep.domain.geo import distance_m
from doorstep.domain.geocoding import (
    ACCEPT_CONFIDENCE,
    Candidate,
    GeocoderUnavailable,
    MatchLevel,
)
from doorstep.domain.order_status import EDITABLE, FINAL, OrderStatus
from doorstep.domain.orders import Address, LocationSource, Order
from doorstep.domain.schedules import Weekday
from doorstep.domain.stations import Station
from doorstep.planning.travel import TravelTimes, TravelUnavailable
from doorstep.services.ports import Geocoder, UnitOfWork

# A shipper's pin this far from the address it names points at another building or street.
PIN_TOLERANCE_M = 150.0
CANDIDATES = 3  # the best match and the two alternatives a LOW_CONFIDENCE flag names


class GeocoderSource(Protocol):
    """Makes the same geocoder in another process. It must pickle small (a path, a name: not
    the index) and compare equal for the same geocoder, so a worker loads each one once."""

    def __call__(self) -> Geocoder: ...


@dataclass(frozen=True)
class Lookup:
    """What the geocoder says about an address, before anything is decided from it."""

    parts: Address  # the structured parts, filled from the free text (``_parts``)
    candidates: tuple[Candidate, ...] = ()  # most confident first
    unavailable: str | None = None  # why the geocoder could not answer, if it could not


@dataclass(frozen=True)
class Prechecked:
    """One order's checks that need nothing but its own values, done ahead of ``run``.

    The values they were made from are kept, so that ``run`` uses them only for an order that
    still has them (plain strings, not a ``Recipient``: a worker builds no domain object that
    might refuse a value the main process would have turned into a rejected row).
    """

    address: Address
    phone: str
    email: str
    contact: tuple[Flag, ...]  # ``contact_flags``
    lookup: Lookup | None = None  # None: the geocoder was not asked ahead


@dataclass(frozen=True)
class OrderChecks:
    """The checks with the outside world they need (a geocoder, travel times, a country)."""

    geocoder: Geocoder
    travel: TravelTimes
    country: str = "FI"  # for phone numbers written without +country code
    # Where a worker process gets the same geocoder, to look addresses up ahead; None when it
    # cannot (a remote geocoder is only asked from the main process).
    source: GeocoderSource | None = None

    def run(
        self,
        orders: Sequence[Order],
        stations: Mapping[str, Station],
        ahead: Mapping[str, Prechecked] | None = None,
    ) -> None:
        """Check ``orders`` in place: place them and set their flags.

        Only orders the station has not received yet are checked; later ones keep their flags.
        ``ahead`` holds checks already done elsewhere, by order id; what it lacks (or holds
        for other values than the order's) is done here. Call ``finish`` on each afterwards,
        in the transaction that saves it: the duplicate check must see the orders saved just
        before it, also those of the same file.
        """
        todo = [o for o in orders if o.status in EDITABLE]
        found: dict[str, list[Flag]] = {o.id: [] for o in todo}
        for order in todo:
            done = ahead.get(order.id) if ahead else None
            found[order.id] += self._place(order, _lookup_for(order, done))
            found[order.id] += self._contact(order, done)
            if order.station_id is None:
                found[order.id].append(
                    Flag(
                        FlagCode.NO_STATION,
                        "no station serves this order",
                        "station_id",
                        "give the station's code (import with --station or a station column)",
                    )
                )
        self._area_and_roads(todo, stations, found)
        for order in todo:
            order.flags = tuple(found[order.id])

    # -- the address -------------------------------------------------------------------------

    def _place(self, order: Order, lookup: Lookup | None = None) -> list[Flag]:
        """Geocode the address (unless ``lookup`` did), set the location, and flag what does
        not add up."""
        if order.location_source is LocationSource.MANUAL:
            return []  # a person placed it: never second-guessed by the geocoder
        if lookup is None:
            lookup = look_up(order.address, self.geocoder)
        parts, candidates = lookup.parts, lookup.candidates
        if lookup.unavailable is not None:
            # Keep the order and say why; a given pin is still used, unverified.
            if order.location is not None:
                return []
            return [
                Flag(
                    FlagCode.NO_MATCH,
                    f"the address could not be geocoded: {lookup.unavailable}",
                    "address",
                    "place the pin by hand, or build the region's address index",
                )
            ]
        flags: list[Flag] = []
        best = candidates[0] if candidates else None
        if not parts.house_number:
            flags.append(
                Flag(
                    FlagCode.MISSING_HOUSE_NUMBER,
                    f"{order.address.as_given!r} has no house number",
                    "address.house_number",
                    "add the house number, or place the pin by hand",
                )
            )
        if best is None:
            flags.append(
                Flag(
                    FlagCode.NO_MATCH,
                    f"no address in the region matches {order.address.as_given!r}",
                    "address",
                    "correct the street name, or place the pin by hand",
                )
            )
        elif best.confidence < ACCEPT_CONFIDENCE and parts.house_number:
            flags.append(
                Flag(
                    FlagCode.LOW_CONFIDENCE,
                    f"best match {best.label!r} is only {best.confidence:.0%} sure"
                    + _alternatives(candidates),
                    "address",
                    "choose a candidate, correct the address, or place the pin by hand",
                )
            )
        order.geocode = best
        if best is None:
            return flags
        if order.location_source is not LocationSource.GIVEN or order.location is None:
            if best.accepted or best.level in {MatchLevel.STREET, MatchLevel.INTERPOLATED}:
                # A street-level guess still lets the map show roughly where; it stays flagged.
                order.location = best.location
                order.location_source = LocationSource.GEOCODED
        elif best.accepted:
            off = distance_m(order.location, best.location)
            if off > PIN_TOLERANCE_M:
                flags.append(
                    Flag(
                        FlagCode.PIN_FAR_FROM_ADDRESS,
                        f"the given coordinates are {off:.0f} m from {best.label}",
                        "location",
                        "choose the address's position, or move the pin to the right door",
                    )
                )
        if best.accepted:
            flags += _postcode_and_unit(parts, best)
        return flags

    # -- phone and e-mail --------------------------------------------------------------------

    def _contact(self, order: Order, done: Prechecked | None = None) -> list[Flag]:
        recipient = order.recipient
        if done is not None and (done.phone, done.email) == (recipient.phone, recipient.email):
            return list(done.contact)
        return contact_flags(recipient.phone, recipient.email, self.country)

    # -- service area, roads and time windows ------------------------------------------------

    def _area_and_roads(
        self,
        orders: Sequence[Order],
        stations: Mapping[str, Station],
        found: dict[str, list[Flag]],
    ) -> None:
        located = [o for o in orders if o.location is not None and o.station_id in stations]
        inside: list[Order] = []
        for order in located:
            assert order.location is not None
            assert order.station_id is not None
            station = stations[order.station_id]
            if station.serves(order.location):
                inside.append(order)
            else:
                found[order.id].append(
                    Flag(
                        FlagCode.OUTSIDE_SERVICE_AREA,
                        f"the address is outside the service area of station {station.code}",
                        "station_id",
                        "hand it to the station that serves the area, or to a carrier",
                    )
                )
        if not inside:
            return
        try:
            snapped = self.travel.snap([o.location for o in inside if o.location is not None])
        except (TravelUnavailable, NotFound):
            return  # no road data: the planner will say so; do not block every order
        reachable: list[Order] = []
        for order, metres in zip(inside, snapped, strict=True):
            if np.isfinite(metres):
                reachable.append(order)
            else:
                found[order.id].append(
                    Flag(
                        FlagCode.UNREACHABLE,
                        "no road a van may use leads near this point",
                        "location",
                        "check the pin: move it to the street in front of the door",
                    )
                )
        by_station: dict[str, list[Order]] = {}
        for order in reachable:
            if order.time_windows and order.station_id is not None:
                by_station.setdefault(order.station_id, []).append(order)
        for station_id, group in by_station.items():
            station = stations[station_id]
            points = [o.location for o in group if o.location is not None]
            try:
                drive = self.travel.matrix([station.location], points).durations_s[0]
            except (TravelUnavailable, NotFound):
                continue
            for order, seconds in zip(group, drive, strict=True):
                flag = _window_flag(order, station, int(seconds))
                if flag is not None:
                    found[order.id].append(flag)


def finish(order: Order, uow: UnitOfWork, at: datetime) -> None:
    """Add the duplicate check to the flags and settle the status."""
    finish_many([order], uow, at)


def finish_many(orders: Sequence[Order], uow: UnitOfWork, at: datetime) -> None:
    """``finish`` for many orders with one query; a later order of ``orders`` also counts the
    earlier ones as duplicates, as if they had been saved one after the other."""
    if not orders:
        return
    organisation_id = orders[0].organisation_id
    keys = [o.dedupe_key for o in orders]  # computed once: folding the texts is not free
    known = uow.orders.open_with_dedupe_keys(organisation_id, keys)
    for order, key in zip(orders, keys, strict=True):
        others = [i for i in known.get(key, []) if i != order.id]
        if order.status in EDITABLE:
            kept = tuple(f for f in order.flags if f.code is not FlagCode.DUPLICATE)
            order.flags = kept + tuple(_duplicate(others))
            settle(order, at)
        if order.status not in FINAL:
            known.setdefault(key, []).append(order.id)


def settle(order: Order, at: datetime) -> None:
    """Ready when nothing blocks the order, else needs_attention (only before receiving)."""
    blocked = bool(order.blocking_flags) or order.location is None
    if blocked and order.status in {OrderStatus.CREATED, OrderStatus.READY}:
        held = [f.code.value for f in order.blocking_flags]
        reasons = ", ".join(held + (["no location"] if order.location is None else []))
        order.move_to(OrderStatus.NEEDS_ATTENTION, at, reasons)
    elif not blocked and order.status in {OrderStatus.CREATED, OrderStatus.NEEDS_ATTENTION}:
        order.move_to(OrderStatus.READY, at, "checks passed")


def _parts(address: Address, geocoder: Geocoder) -> Address:
    """The structured parts, filled from the free text where the shipper gave none."""
    parsed = geocoder.parse(address.as_given)
    return dataclasses.replace(
        address,
        street=address.street or parsed.street,
        house_number=address.house_number or parsed.house_number,
        unit=address.unit or parsed.unit,
        postcode=address.postcode or parsed.postcode,
        city=address.city or parsed.city,
    )


def _alternatives(candidates: Sequence[Candidate]) -> str:
    others = [c.label for c in candidates[1:3]]
    return f" (also possible: {'; '.join(others)})" if others else ""


def _postcode_and_unit(parts: Address, best: Candidate) -> list[Flag]:
    flags: list[Flag] = []
    given = parts.postcode.replace(" ", "")
    if given and best.postcode and given != best.postcode.replace(" ", ""):
        flags.append(
            Flag(
                FlagCode.POSTCODE_MISMATCH,
                f"postcode {parts.postcode} does not fit {best.street} {best.house_number} "
                f"(its postcode is {best.postcode})",
                "address.postcode",
                f"use {best.postcode}",
            )
        )
    if best.units >= 2 and not parts.unit:
        flags.append(
            Flag(
                FlagCode.UNIT_MISSING,
                f"{best.label} has {best.units} staircases or flats and no unit is given",
                "address.unit",
                "add the staircase and flat, e.g. 'A 12'",
            )
        )
    return flags


def look_up(address: Address, geocoder: Geocoder) -> Lookup:
    """What ``geocoder`` says about ``address``: its parts and its best few candidates.

    Needs nothing but the address, so an import asks it ahead in a worker process.
    """
    parts = _parts(address, geocoder)
    try:
        candidates = geocoder.forward(address, limit=CANDIDATES)
    except GeocoderUnavailable as error:
        return Lookup(parts, unavailable=str(error))
    return Lookup(parts, tuple(candidates))


def contact_flags(phone: str, email: str, country: str) -> list[Flag]:
    """INVALID_PHONE and INVALID_EMAIL for a recipient's phone and e-mail (``country`` for
    numbers written without a country code)."""
    flags: list[Flag] = []
    if phone and not _valid_phone(phone, country):
        flags.append(
            Flag(
                FlagCode.INVALID_PHONE,
                f"{phone!r} is not a valid phone number",
                "recipient.phone",
                "give the full number with country code, e.g. +358 40 123 4567",
            )
        )
    if email:
        try:
            email_validator.validate_email(email, check_deliverability=False)
        except email_validator.EmailNotValidError as error:
            flags.append(
                Flag(
                    FlagCode.INVALID_EMAIL,
                    f"{email!r} is not a valid e-mail address: {error}",
                    "recipient.email",
                    "correct the address, or leave it empty",
                )
            )
    return flags


def _lookup_for(order: Order, done: Prechecked | None) -> Lookup | None:
    """The lookup done ahead, if it was made for the order's address."""
    if done is None or done.lookup is None or done.address != order.address:
        return None
    return done.lookup


def _valid_phone(phone: str, country: str) -> bool:
    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _duplicate(others: Sequence[str]) -> list[Flag]:
    if not others:
        return []
    return [
        Flag(
            FlagCode.DUPLICATE,
            f"order {others[0]} goes to the same recipient at the same address on the same day",
            "shipper_reference",
            "cancel one of them, or release this one if both are meant",
        )
    ]


def _window_flag(order: Order, station: Station, drive_s: int) -> Flag | None:
    """Whether any of the order's windows can be met from the station on its day.

    The earliest arrival is the opening time plus loading plus the drive; the latest start is
    the closing time minus the service and the drive back (taken as the drive there: the
    reverse search would cost a road search per order, and the two differ by one-way detours
    only).
    """
    zone = ZoneInfo(station.timezone)
    reasons: list[str] = []
    for window in order.time_windows:
        local_start = window.start_at.astimezone(zone)
        day = local_start.date()
        hours = station.hours_on(Weekday(day.weekday()))
        if hours is None:
            reasons.append(f"station {station.code} is closed on {day:%A %Y-%m-%d}")
            continue
        opens = datetime.combine(day, hours.start, zone)
        closes = opens + timedelta(seconds=hours.duration_s)
        earliest = opens + timedelta(seconds=station.loading_time_s + drive_s)
        latest = closes - timedelta(seconds=order.service_duration_s + drive_s)
        if window.end_at < earliest:
            reasons.append(
                f"window ends {window.end_at.astimezone(zone):%H:%M} but the earliest arrival "
                f"is {earliest:%H:%M} (opens {opens:%H:%M}, {station.loading_time_s // 60} min "
                f"loading, {drive_s // 60} min drive)"
            )
        elif window.start_at > latest:
            reasons.append(
                f"window starts {local_start:%H:%M}, too late to get back before the station "
                f"closes at {closes:%H:%M} ({drive_s // 60} min drive)"
            )
        else:
            return None
    if not reasons:
        return None
    return Flag(
        FlagCode.WINDOW_UNREACHABLE,
        "; ".join(reasons),
        "time_windows",
        "agree a later window with the recipient, or serve it from another station",
    )
