"""Rate cards: what a carrier charges for a shipment, exact to the cent and explained per line.

A ``RateCard`` belongs to one carrier and one service level. ``price(card, shipment)`` returns
a ``Quote`` (lines with reasons, and their total) or a ``Refusal`` saying why the card does not
price the shipment. Money is integer cents; weights and distances are ``Decimal``.

How a price is built, in this order:

1. **Zone.** By postcode prefix (the longest matching prefix wins, so "0055" beats "005") or
   by the distance from the station in km, bands being [from, to): 5.0 km is in 5-10, not 0-5.
2. **Chargeable weight**, per parcel: the larger of its actual weight and its volumetric
   weight (length x width x height in cm / ``volumetric_divisor``, default 5000; a parcel with
   a declared volume only uses litres x 1000 cm3). The shipment's chargeable weight is the sum
   over its parcels. Per parcel and then summed (as UPS and DHL bill multi-piece shipments),
   not max(total actual, total volumetric): each parcel occupies its own space, so a light,
   big parcel must not hide behind a small, dense one in the same shipment. Weights are not
   rounded up to a step; the breaks compare the exact sum.
3. **Base price**: the first weight break whose "up to" the chargeable weight does not exceed
   (3.2 kg and 5.0 kg are both in the 5 kg break; 5.001 kg is in the next). Above the last
   break, each started kg costs the zone's per-kg price on top of the last break's price,
   or the card refuses ("not served above").
4. **Surcharges**: remote area (postcode prefixes, once per shipment), bulky (per parcel with
   a side over N cm or an actual weight over M kg), extra parcels (per parcel beyond the
   first), then **fuel**: a percentage of base plus the other surcharges.
5. **Minimum**: when the total so far is below the card's minimum charge, an uplift line
   brings it up to the minimum (the minimum is the least a shipment ever costs, fuel included).

Each line is computed exactly and rounded half-up to a whole cent once (only fuel can have a
fraction: 12.5% of 1004 cents is 125.5, charged as 126); the total is the sum of the rounded
lines, so a quote's lines always add up to its total.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from doorstep.domain.carriers import ServiceLevel, check_prefixes, longest_prefix, normal_postcode
from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import Parcel

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_VOLUMETRIC_DIVISOR = 5000  # cm3 per kg, the common road-freight and courier figure


class ZoneBasis(StrEnum):
    POSTCODE = "postcode"
    DISTANCE = "distance"


def _cents(field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(field, f"must be a whole number of cents >= 0, got {value!r}")


def _decimal_amount(field: str, value: Decimal, *, zero: bool = False) -> None:
    if (
        not isinstance(value, Decimal)
        or not value.is_finite()
        or value < 0
        or (value == 0 and not zero)
    ):
        relation = ">= 0" if zero else "> 0"
        raise InvalidValue(field, f"must be a finite decimal number {relation}, got {value!r}")


def exact(value: float) -> Decimal:
    """A float as the decimal it was written as (3.2 -> Decimal('3.2'), not 3.2000000000000002)."""
    if not math.isfinite(value):
        raise InvalidValue("value", f"must be a finite number, got {value}")
    return Decimal(repr(float(value)))


def show_kg(value: Decimal) -> str:
    """Up to three decimals, no trailing zeros: 5 -> "5", 4.80 -> "4.8", 7.30625 -> "7.306"."""
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()
    return f"{rounded:f}"


def show_money(cents: int, currency: str) -> str:
    """12.34 EUR; money in reasons is always written with two decimals and the currency."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d} {currency}"


@dataclass(frozen=True)
class WeightBreak:
    """Chargeable weight up to and including ``up_to_kg`` costs ``price_cents``."""

    up_to_kg: Decimal
    price_cents: int

    def __post_init__(self) -> None:
        _decimal_amount("breaks.up_to_kg", self.up_to_kg)
        _cents("breaks.price_cents", self.price_cents)


@dataclass(frozen=True)
class Zone:
    """One zone of a card: postcode prefixes, or a distance band [from_km, to_km) (to_km None:
    no upper end); its weight breaks; ``per_kg_above_cents`` per started kg above the last break
    (None: the zone is not served above the last break)."""

    name: str
    breaks: tuple[WeightBreak, ...]
    postcode_prefixes: frozenset[str] = frozenset()
    from_km: Decimal | None = None
    to_km: Decimal | None = None
    per_kg_above_cents: int | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 40:
            raise InvalidValue("zones.name", "must be 1-40 characters, e.g. 1 or city")
        check_prefixes("zones.postcode_prefixes", self.postcode_prefixes)
        by_distance = self.from_km is not None or self.to_km is not None
        if by_distance == bool(self.postcode_prefixes):
            raise InvalidValue(
                "zones",
                f"zone {self.name} needs either postcode prefixes or a distance band, not "
                f"{'both' if by_distance else 'neither'}",
            )
        if by_distance:
            if self.from_km is None:
                raise InvalidValue("zones.from_km", f"zone {self.name} needs a start, e.g. 0")
            _decimal_amount("zones.from_km", self.from_km, zero=True)
            if self.to_km is not None:
                _decimal_amount("zones.to_km", self.to_km)
                if self.to_km <= self.from_km:
                    raise InvalidValue(
                        "zones.to_km",
                        f"zone {self.name} must end after it starts ({show_kg(self.from_km)} "
                        f"km), got {show_kg(self.to_km)} km",
                    )
        if not self.breaks:
            raise InvalidValue("zones.breaks", f"zone {self.name} needs at least one weight break")
        for lighter, heavier in itertools.pairwise(self.breaks):
            if heavier.up_to_kg <= lighter.up_to_kg:
                raise InvalidValue(
                    "zones.breaks",
                    f"zone {self.name}: breaks must grow in weight; "
                    f"{show_kg(heavier.up_to_kg)} kg follows {show_kg(lighter.up_to_kg)} kg",
                )
            if heavier.price_cents < lighter.price_cents:
                raise InvalidValue(
                    "zones.breaks",
                    f"zone {self.name}: the {show_kg(heavier.up_to_kg)} kg break costs less than "
                    f"the {show_kg(lighter.up_to_kg)} kg break; a heavier break never costs less",
                )
        if self.per_kg_above_cents is not None:
            _cents("zones.per_kg_above_cents", self.per_kg_above_cents)

    @property
    def basis(self) -> ZoneBasis:
        return ZoneBasis.POSTCODE if self.postcode_prefixes else ZoneBasis.DISTANCE

    @property
    def description(self) -> str:
        """How a person recognises the zone: "postcodes 005, 0055" or "5-10 km"."""
        if self.postcode_prefixes:
            return "postcodes " + ", ".join(sorted(self.postcode_prefixes))
        assert self.from_km is not None
        start = show_kg(self.from_km)
        return f"{start}-{show_kg(self.to_km)} km" if self.to_km is not None else f"{start}+ km"

    def holds(self, distance_km: Decimal) -> bool:
        assert self.from_km is not None
        return self.from_km <= distance_km and (self.to_km is None or distance_km < self.to_km)


@dataclass(frozen=True)
class RemoteArea:
    """A fixed surcharge per shipment to postcodes starting with one of the prefixes."""

    postcode_prefixes: frozenset[str]
    amount_cents: int

    def __post_init__(self) -> None:
        if not self.postcode_prefixes:
            raise InvalidValue("remote_area.postcode_prefixes", "must name at least one prefix")
        check_prefixes("remote_area.postcode_prefixes", self.postcode_prefixes)
        _cents("remote_area.amount_cents", self.amount_cents)


@dataclass(frozen=True)
class Bulky:
    """A fixed surcharge per parcel with any side over ``side_over_cm`` or an actual weight
    over ``weight_over_kg`` (either limit may be left out, not both)."""

    amount_cents: int
    side_over_cm: Decimal | None = None
    weight_over_kg: Decimal | None = None

    def __post_init__(self) -> None:
        _cents("bulky.amount_cents", self.amount_cents)
        if self.side_over_cm is None and self.weight_over_kg is None:
            raise InvalidValue("bulky", "needs a side limit in cm, a weight limit in kg, or both")
        if self.side_over_cm is not None:
            _decimal_amount("bulky.side_over_cm", self.side_over_cm)
        if self.weight_over_kg is not None:
            _decimal_amount("bulky.weight_over_kg", self.weight_over_kg)

    def applies(self, parcel: Parcel) -> bool:
        sides = (parcel.length_cm, parcel.width_cm, parcel.height_cm)
        if self.side_over_cm is not None and any(exact(s) > self.side_over_cm for s in sides):
            return True
        return self.weight_over_kg is not None and exact(parcel.weight_kg) > self.weight_over_kg

    @property
    def description(self) -> str:
        limits = []
        if self.side_over_cm is not None:
            limits.append(f"a side over {show_kg(self.side_over_cm)} cm")
        if self.weight_over_kg is not None:
            limits.append(f"over {show_kg(self.weight_over_kg)} kg")
        return " or ".join(limits)


@dataclass(frozen=True)
class RateCard:
    """The prices of one carrier for one service level."""

    carrier_code: str
    service_level: ServiceLevel
    currency: str
    zones: tuple[Zone, ...]
    volumetric_divisor: int = DEFAULT_VOLUMETRIC_DIVISOR
    remote_area: RemoteArea | None = None
    bulky: Bulky | None = None
    extra_parcel_cents: int = 0
    fuel_percent: Decimal = Decimal(0)
    minimum_cents: int = 0

    def __post_init__(self) -> None:
        if not _CODE.match(self.carrier_code):
            raise InvalidValue(
                "carrier_code", "must be 1-40 lower-case letters, digits, '_' or '-'"
            )
        if not _CURRENCY.match(self.currency):
            raise InvalidValue("currency", "must be an ISO 4217 code like EUR")
        if (
            isinstance(self.volumetric_divisor, bool)
            or not isinstance(self.volumetric_divisor, int)
            or self.volumetric_divisor <= 0
        ):
            raise InvalidValue(
                "volumetric_divisor", "must be a whole number of cm3 per kg > 0, e.g. 5000"
            )
        _cents("extra_parcel_cents", self.extra_parcel_cents)
        _cents("minimum_cents", self.minimum_cents)
        _decimal_amount("fuel_percent", self.fuel_percent, zero=True)
        if self.fuel_percent > 100:
            raise InvalidValue("fuel_percent", f"must be 0-100, got {self.fuel_percent}")
        self._check_zones()

    @property
    def basis(self) -> ZoneBasis:
        return self.zones[0].basis

    def _check_zones(self) -> None:
        if not self.zones:
            raise InvalidValue("zones", "a rate card needs at least one zone")
        names = [zone.name for zone in self.zones]
        if len(set(names)) != len(names):
            raise InvalidValue("zones", "each zone needs its own name; a name is repeated")
        if len({zone.basis for zone in self.zones}) > 1:
            raise InvalidValue(
                "zones", "zones of one card are all by postcode or all by distance, not mixed"
            )
        if self.basis is ZoneBasis.POSTCODE:
            seen: dict[str, str] = {}
            for zone in self.zones:
                for prefix in zone.postcode_prefixes:
                    if prefix in seen:
                        raise InvalidValue(
                            "zones.postcode_prefixes",
                            f"prefix {prefix} is in zone {seen[prefix]} and zone {zone.name}; "
                            "keep it in one",
                        )
                    seen[prefix] = zone.name
            return
        bands = sorted(self.zones, key=lambda zone: zone.from_km or Decimal(0))
        for nearer, farther in itertools.pairwise(bands):
            assert farther.from_km is not None
            if nearer.to_km is None or nearer.to_km > farther.from_km:
                raise InvalidValue(
                    "zones",
                    f"distance bands of zone {nearer.name} ({nearer.description}) and zone "
                    f"{farther.name} ({farther.description}) overlap",
                )

    def zone_for(self, postcode: str | None, distance_km: Decimal | None) -> Zone | None:
        if self.basis is ZoneBasis.POSTCODE:
            if not postcode:
                return None
            prefixes = frozenset(p for zone in self.zones for p in zone.postcode_prefixes)
            best = longest_prefix(postcode, prefixes)
            return next((z for z in self.zones if best in z.postcode_prefixes), None)
        if distance_km is None:
            return None
        return next((zone for zone in self.zones if zone.holds(distance_km)), None)


@dataclass(frozen=True)
class Shipment:
    """What is priced: the parcels, the destination postcode and the distance from the station."""

    parcels: tuple[Parcel, ...]
    postcode: str | None = None
    distance_km: float | None = None

    def __post_init__(self) -> None:
        if not self.parcels:
            raise InvalidValue("parcels", "a shipment needs at least one parcel")
        if self.distance_km is not None and (
            not math.isfinite(self.distance_km) or self.distance_km < 0
        ):
            raise InvalidValue(
                "distance_km", f"must be a finite number >= 0, got {self.distance_km}"
            )


class LineKind(StrEnum):
    BASE = "base"
    REMOTE_AREA = "remote_area"
    BULKY = "bulky"
    EXTRA_PARCELS = "extra_parcels"
    FUEL = "fuel"
    MINIMUM = "minimum"


@dataclass(frozen=True)
class QuoteLine:
    kind: LineKind
    amount_cents: int
    reason: str


@dataclass(frozen=True)
class Quote:
    """A price: its lines in the order they were computed, and what they add up to."""

    carrier_code: str
    service_level: ServiceLevel
    currency: str
    zone: str
    chargeable_kg: Decimal
    lines: tuple[QuoteLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def line(self, kind: LineKind) -> QuoteLine | None:
        return next((line for line in self.lines if line.kind is kind), None)


class RefusalCode(StrEnum):
    OUTSIDE_ZONES = "outside_zones"  # no zone holds the postcode or the distance
    TOO_HEAVY = "too_heavy"  # above the last break of a zone not served above it


@dataclass(frozen=True)
class Refusal:
    """Why a card does not price a shipment, in words a planner can act on."""

    carrier_code: str
    service_level: ServiceLevel
    code: RefusalCode
    reason: str


def chargeable_kg(parcel: Parcel, divisor: int = DEFAULT_VOLUMETRIC_DIVISOR) -> Decimal:
    """max(actual kg, volumetric kg) of one parcel, exactly."""
    return max(exact(parcel.weight_kg), volumetric_kg(parcel, divisor))


def volumetric_kg(parcel: Parcel, divisor: int = DEFAULT_VOLUMETRIC_DIVISOR) -> Decimal:
    if parcel.dimensioned:
        cm3 = exact(parcel.length_cm) * exact(parcel.width_cm) * exact(parcel.height_cm)
    else:
        cm3 = exact(parcel.volume_l) * 1000
    return cm3 / divisor


def _round(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price(card: RateCard, shipment: Shipment) -> Quote | Refusal:
    """The card's price for the shipment, or why it has none; see the module's docstring."""
    with localcontext() as context:
        context.prec = 34  # far beyond any weight or price; Decimal's default is 28
        return _price(card, shipment)


def _price(card: RateCard, shipment: Shipment) -> Quote | Refusal:
    def refuse(code: RefusalCode, reason: str) -> Refusal:
        return Refusal(card.carrier_code, card.service_level, code, reason)

    distance = exact(shipment.distance_km) if shipment.distance_km is not None else None
    zone = card.zone_for(shipment.postcode, distance)
    if zone is None:
        return refuse(RefusalCode.OUTSIDE_ZONES, _outside(card, shipment.postcode, distance))

    weights = [chargeable_kg(p, card.volumetric_divisor) for p in shipment.parcels]
    total_kg = sum(weights, Decimal(0))
    by_volume = sum(
        1 for p, w in zip(shipment.parcels, weights, strict=True) if w > exact(p.weight_kg)
    )
    weight_text = f"{show_kg(total_kg)} kg"
    if by_volume:
        weight_text += (
            f" chargeable ({by_volume} of {len(weights)} parcels by volume, "
            f"L x W x H cm / {card.volumetric_divisor})"
        )
    where = f"zone {zone.name} ({zone.description})"

    lines: list[QuoteLine] = []
    band = next((b for b in zone.breaks if total_kg <= b.up_to_kg), None)
    if band is not None:
        lines.append(
            QuoteLine(
                LineKind.BASE,
                band.price_cents,
                f"{where}, {weight_text} in the {show_kg(band.up_to_kg)} kg break",
            )
        )
    else:
        last = zone.breaks[-1]
        if zone.per_kg_above_cents is None:
            return refuse(
                RefusalCode.TOO_HEAVY,
                f"{where}: {weight_text} is above the last break ({show_kg(last.up_to_kg)} kg) "
                "and the card does not serve heavier shipments",
            )
        started = math.ceil(total_kg - last.up_to_kg)
        amount = last.price_cents + started * zone.per_kg_above_cents
        lines.append(
            QuoteLine(
                LineKind.BASE,
                amount,
                f"{where}, {weight_text}: the {show_kg(last.up_to_kg)} kg break "
                f"({show_money(last.price_cents, card.currency)}) plus {started} started kg at "
                f"{show_money(zone.per_kg_above_cents, card.currency)}",
            )
        )
    lines.extend(_surcharges(card, shipment))
    if card.fuel_percent > 0:
        subject = sum(line.amount_cents for line in lines)
        fuel = Decimal(subject) * card.fuel_percent / 100
        lines.append(
            QuoteLine(
                LineKind.FUEL,
                _round(fuel),
                f"fuel {card.fuel_percent.normalize():f}% of "
                f"{show_money(subject, card.currency)} (base and surcharges) = "
                f"{fuel.normalize():f} cents, rounded half-up",
            )
        )
    subtotal = sum(line.amount_cents for line in lines)
    if subtotal < card.minimum_cents:
        lines.append(
            QuoteLine(
                LineKind.MINIMUM,
                card.minimum_cents - subtotal,
                f"minimum charge {show_money(card.minimum_cents, card.currency)}; the lines "
                f"above come to {show_money(subtotal, card.currency)}",
            )
        )
    return Quote(
        card.carrier_code, card.service_level, card.currency, zone.name, total_kg, tuple(lines)
    )


def _surcharges(card: RateCard, shipment: Shipment) -> Iterable[QuoteLine]:
    money = card.currency
    remote = card.remote_area
    if remote is not None and shipment.postcode:
        prefix = longest_prefix(shipment.postcode, remote.postcode_prefixes)
        if prefix is not None:
            yield QuoteLine(
                LineKind.REMOTE_AREA,
                remote.amount_cents,
                f"remote area: postcode {normal_postcode(shipment.postcode)} starts with {prefix}",
            )
    if card.bulky is not None:
        bulky = [p.barcode for p in shipment.parcels if card.bulky.applies(p)]
        if bulky:
            yield QuoteLine(
                LineKind.BULKY,
                len(bulky) * card.bulky.amount_cents,
                f"bulky ({card.bulky.description}): {', '.join(bulky)}, "
                f"{len(bulky)} x {show_money(card.bulky.amount_cents, money)}",
            )
    extra = len(shipment.parcels) - 1
    if extra > 0 and card.extra_parcel_cents > 0:
        yield QuoteLine(
            LineKind.EXTRA_PARCELS,
            extra * card.extra_parcel_cents,
            f"{extra} parcel{'s' if extra > 1 else ''} beyond the first, "
            f"{extra} x {show_money(card.extra_parcel_cents, money)}",
        )


def _outside(card: RateCard, postcode: str | None, distance: Decimal | None) -> str:
    zones = "; ".join(f"zone {zone.name}: {zone.description}" for zone in card.zones)
    if card.basis is ZoneBasis.POSTCODE:
        if not postcode:
            return f"the card prices by postcode and the shipment has none (zones: {zones})"
        return f"postcode {normal_postcode(postcode)} is in no zone ({zones})"
    if distance is None:
        return f"the card prices by distance and the shipment has none (zones: {zones})"
    return f"{show_kg(distance)} km from the station is in no zone ({zones})"
