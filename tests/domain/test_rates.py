"""Rate cards priced by hand: each test's docstring shows the arithmetic it expects.

The postcode card used throughout (EUR, prices in cents):

    zone 1  postcodes 001, 002   2 kg 690 | 5 kg 890 | 10 kg 1190 | 30 kg 1990 | +45 per started kg
    zone 2  postcodes 005        2 kg 790 | 5 kg 990 | 10 kg 1290 | 30 kg 2190 | not served above
    zone 3  postcodes 0055       2 kg 990 | 30 kg 2490                       | not served above
    remote area 00190 (Suomenlinna), 00860 (Santahamina): 900 per shipment
    bulky: a side over 120 cm or over 30 kg: 1500 per parcel
    extra parcels: 200 per parcel beyond the first; fuel 0%; minimum 0 (tests change these)
"""

from __future__ import annotations

import dataclasses
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import Parcel
from doorstep.domain.rates import (
    Bulky,
    LineKind,
    Quote,
    RateCard,
    Refusal,
    RefusalCode,
    RemoteArea,
    Shipment,
    WeightBreak,
    Zone,
    chargeable_kg,
    price,
    show_money,
)


def breaks(*pairs: tuple[str, int]) -> tuple[WeightBreak, ...]:
    return tuple(WeightBreak(Decimal(kg), cents) for kg, cents in pairs)


CARD = RateCard(
    carrier_code="kaupunkikuriiri",
    service_level=ServiceLevel.NEXT_DAY,
    currency="EUR",
    zones=(
        Zone(
            "1",
            breaks(("2", 690), ("5", 890), ("10", 1190), ("30", 1990)),
            postcode_prefixes=frozenset({"001", "002"}),
            per_kg_above_cents=45,
        ),
        Zone(
            "2",
            breaks(("2", 790), ("5", 990), ("10", 1290), ("30", 2190)),
            postcode_prefixes=frozenset({"005"}),
        ),
        Zone("3", breaks(("2", 990), ("30", 2490)), postcode_prefixes=frozenset({"0055"})),
    ),
    remote_area=RemoteArea(frozenset({"00190", "00860"}), 900),
    bulky=Bulky(1500, side_over_cm=Decimal(120), weight_over_kg=Decimal(30)),
    extra_parcel_cents=200,
)

DISTANCE_CARD = RateCard(
    carrier_code="vantaan-vaunut",
    service_level=ServiceLevel.SAME_DAY,
    currency="EUR",
    zones=(
        Zone("near", breaks(("10", 500)), from_km=Decimal(0), to_km=Decimal(5)),
        Zone("mid", breaks(("10", 700)), from_km=Decimal(5), to_km=Decimal(10)),
        Zone("far", breaks(("10", 900)), from_km=Decimal(10), to_km=Decimal(25)),
    ),
)


def parcel(kg: float, sides: tuple[float, float, float] = (0, 0, 0), code: str = "P1") -> Parcel:
    return Parcel(code, weight_kg=kg, length_cm=sides[0], width_cm=sides[1], height_cm=sides[2])


def quote(card: RateCard, shipment: Shipment) -> Quote:
    result = price(card, shipment)
    assert isinstance(result, Quote), result
    return result


def refusal(card: RateCard, shipment: Shipment) -> Refusal:
    result = price(card, shipment)
    assert isinstance(result, Refusal), result
    return result


def amounts(q: Quote) -> dict[LineKind, int]:
    return {line.kind: line.amount_cents for line in q.lines}


# --- zones -----------------------------------------------------------------------------------


def test_zone_by_postcode() -> None:
    """00530 starts with 005 (zone 2), not 0055; 3.2 kg is over 2 and up to 5: 990 cents."""
    q = quote(CARD, Shipment((parcel(3.2),), postcode="00530"))
    assert q.zone == "2"
    assert q.total_cents == 990
    assert q.lines[0].reason == "zone 2 (postcodes 005), 3.2 kg in the 5 kg break"


def test_longest_prefix_wins() -> None:
    """00550 starts with 005 (zone 2) and with 0055 (zone 3); the longer wins: 3.2 kg in zone 3's
    30 kg break costs 2490 cents."""
    q = quote(CARD, Shipment((parcel(3.2),), postcode="00 550"))
    assert (q.zone, q.total_cents) == ("3", 2490)


@pytest.mark.parametrize(
    ("km", "zone", "cents"),
    [
        (0.0, "near", 500),
        (4.99, "near", 500),
        (5.0, "mid", 700),  # on the boundary: the band that starts there
        (9.999, "mid", 700),
        (10.0, "far", 900),
        (24.9, "far", 900),
    ],
)
def test_zone_by_distance_bands_are_closed_at_the_start_and_open_at_the_end(
    km: float, zone: str, cents: int
) -> None:
    """Bands are [from, to): 5.0 km is in 5-10 (700 cents), 4.99 km in 0-5 (500 cents)."""
    q = quote(DISTANCE_CARD, Shipment((parcel(1),), distance_km=km))
    assert (q.zone, q.total_cents) == (zone, cents)
    assert q.lines[0].reason.startswith(f"zone {zone} (")


# --- weight breaks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kg", "cents"),
    [
        (0.1, 690),  # up to 2 kg
        (2.0, 690),  # exactly on the 2 kg break: still in it
        (2.001, 890),  # just over: the 5 kg break
        (5.0, 890),
        (5.01, 1190),
        (10.0, 1190),
        (10.5, 1990),
        (30.0, 1990),  # exactly on the last break
        (30.2, 2035),  # 1990 + 1 started kg x 45
        (31.0, 2035),  # 1990 + 1 x 45: the 31st kg is the first started one
        (31.01, 2080),  # 1990 + 2 x 45
    ],
)
def test_each_weight_break_boundary(kg: float, cents: int) -> None:
    """Zone 1 (00100); "up to X kg" includes X; above 30 kg each started kg costs 45 cents.
    (Bulky starts over 30 kg actual weight, so the parcels here have no weight limit set.)"""
    card = dataclasses.replace(CARD, bulky=Bulky(1500, side_over_cm=Decimal(120)))
    q = quote(card, Shipment((parcel(kg),), postcode="00100"))
    assert q.total_cents == cents


def test_above_the_last_break_explains_the_per_kg_price() -> None:
    """32.5 kg in zone 1: 1990 + ceil(2.5) = 3 started kg x 45 = 1990 + 135 = 2125 cents."""
    card = dataclasses.replace(CARD, bulky=None)
    q = quote(card, Shipment((parcel(32.5),), postcode="00100"))
    assert q.total_cents == 2125
    assert q.lines[0].reason == (
        "zone 1 (postcodes 001, 002), 32.5 kg: the 30 kg break (19.90 EUR) plus 3 started kg "
        "at 0.45 EUR"
    )


# --- chargeable weight -----------------------------------------------------------------------


def test_volumetric_weight_beats_actual() -> None:
    """1 kg in a 40 x 30 x 25 cm box: 30000 cm3 / 5000 = 6 kg > 1 kg, so 6 kg is charged:
    zone 1's 10 kg break, 1190 cents. With divisor 4000: 7.5 kg, the same break."""
    box = parcel(1.0, (40, 30, 25))
    q = quote(CARD, Shipment((box,), postcode="00100"))
    assert q.chargeable_kg == Decimal(6)
    assert q.total_cents == 1190
    assert "6 kg chargeable (1 of 1 parcels by volume, L x W x H cm / 5000)" in q.lines[0].reason
    assert chargeable_kg(box, 4000) == Decimal("7.5")


def test_actual_weight_beats_a_small_volume() -> None:
    """4 kg in 20 x 20 x 10 cm: 4000 / 5000 = 0.8 kg < 4 kg: 4 kg is charged, 890 cents."""
    q = quote(CARD, Shipment((parcel(4.0, (20, 20, 10)),), postcode="00100"))
    assert (q.chargeable_kg, q.total_cents) == (Decimal(4), 890)
    assert "by volume" not in q.lines[0].reason


def test_chargeable_weight_is_per_parcel_then_summed() -> None:
    """A dense 8 kg parcel of 10 x 10 x 10 cm (0.2 kg by volume) and a light 1 kg box of
    40 x 30 x 20 cm (24000 / 5000 = 4.8 kg by volume): 8 + 4.8 = 12.8 kg, the 30 kg break,
    1990 cents, + 1 extra parcel x 200 = 2190. (Per shipment, max(9 actual, 5 volumetric) = 9 kg
    would have priced the 10 kg break: the box would ride free.)"""
    q = quote(
        CARD,
        Shipment((parcel(8, (10, 10, 10), "A"), parcel(1, (40, 30, 20), "B")), postcode="00100"),
    )
    assert q.chargeable_kg == Decimal("12.8")
    assert amounts(q) == {LineKind.BASE: 1990, LineKind.EXTRA_PARCELS: 200}
    assert q.total_cents == 2190


def test_a_declared_volume_counts_when_there_are_no_dimensions() -> None:
    """2 kg with 30 litres declared: 30 x 1000 cm3 / 5000 = 6 kg chargeable."""
    assert chargeable_kg(Parcel("P1", weight_kg=2, volume_l=30)) == Decimal(6)


# --- surcharges, fuel and minimum -------------------------------------------------------------


def test_remote_area_surcharge() -> None:
    """Suomenlinna 00190 is in zone 1 (001) and a remote area: 1 kg 690 + remote 900 = 1590."""
    q = quote(CARD, Shipment((parcel(1),), postcode="00190"))
    assert amounts(q) == {LineKind.BASE: 690, LineKind.REMOTE_AREA: 900}
    assert q.total_cents == 1590
    remote = q.line(LineKind.REMOTE_AREA)
    assert remote is not None
    assert remote.reason == "remote area: postcode 00190 starts with 00190"


def test_bulky_surcharge_by_side() -> None:
    """4 kg in 125 x 20 x 10 cm: 25000 / 5000 = 5 kg chargeable, exactly the 5 kg break: 890;
    125 cm > 120 cm is bulky: + 1500 = 2390. A 120 cm side is not over 120: no surcharge."""
    long = quote(CARD, Shipment((parcel(4, (125, 20, 10)),), postcode="00100"))
    assert amounts(long) == {LineKind.BASE: 890, LineKind.BULKY: 1500}
    assert long.total_cents == 2390
    exactly = quote(CARD, Shipment((parcel(4, (120, 20, 10)),), postcode="00100"))
    assert LineKind.BULKY not in amounts(exactly)  # 24000 / 5000 = 4.8 kg: 890


def test_bulky_surcharge_by_weight_is_per_parcel() -> None:
    """Two parcels of 31 kg (bulky: over 30 kg) and one of 1 kg: 63 kg, zone 1:
    1990 + ceil(63 - 30) = 33 x 45 = 1485 -> 3475; bulky 2 x 1500 = 3000; extra 2 x 200 = 400;
    total 6875."""
    parcels = (parcel(31, code="A"), parcel(31, code="B"), parcel(1, code="C"))
    q = quote(CARD, Shipment(parcels, postcode="00200"))
    assert amounts(q) == {LineKind.BASE: 3475, LineKind.BULKY: 3000, LineKind.EXTRA_PARCELS: 400}
    assert q.total_cents == 6875
    bulky = q.line(LineKind.BULKY)
    assert bulky is not None
    assert bulky.reason == "bulky (a side over 120 cm or over 30 kg): A, B, 2 x 15.00 EUR"


def test_fuel_is_a_percentage_of_base_and_surcharges() -> None:
    """Two 1 kg parcels to 00190 with 12.5% fuel: base (2 kg break) 690 + remote 900 + 1 extra
    parcel 200 = 1790; fuel 1790 x 12.5% = 223.75 -> 224; total 2014."""
    card = dataclasses.replace(CARD, fuel_percent=Decimal("12.5"))
    q = quote(card, Shipment((parcel(1, code="A"), parcel(1, code="B")), postcode="00190"))
    assert amounts(q) == {
        LineKind.BASE: 690,
        LineKind.REMOTE_AREA: 900,
        LineKind.EXTRA_PARCELS: 200,
        LineKind.FUEL: 224,
    }
    assert q.total_cents == 2014
    fuel = q.line(LineKind.FUEL)
    assert fuel is not None
    assert fuel.reason == (
        "fuel 12.5% of 17.90 EUR (base and surcharges) = 223.75 cents, rounded half-up"
    )


@pytest.mark.parametrize(
    ("base", "fuel"),
    [(1005, 101), (1004, 100), (1015, 102), (1025, 103), (995, 100)],
)
def test_rounding_is_half_up_at_half_a_cent(base: int, fuel: int) -> None:
    """10% fuel: 1005 -> 100.5 -> 101 (banker's rounding would give 100); 1004 -> 100.4 -> 100;
    1015 -> 101.5 -> 102; 1025 -> 102.5 -> 103 (not 102); 995 -> 99.5 -> 100."""
    card = RateCard(
        "pyora",
        ServiceLevel.SAME_DAY,
        "EUR",
        (Zone("1", breaks(("5", base)), postcode_prefixes=frozenset({"00"})),),
        fuel_percent=Decimal(10),
    )
    q = quote(card, Shipment((parcel(1),), postcode="00100"))
    assert amounts(q) == {LineKind.BASE: base, LineKind.FUEL: fuel}
    assert q.total_cents == base + fuel


def test_minimum_charge_uplift() -> None:
    """Minimum 1000 with 12.5% fuel: 1 kg to 00100 is 690 + fuel 86.25 -> 86 = 776; the uplift
    is 1000 - 776 = 224 and the total is the minimum, 1000."""
    card = dataclasses.replace(CARD, minimum_cents=1000, fuel_percent=Decimal("12.5"))
    q = quote(card, Shipment((parcel(1),), postcode="00100"))
    assert amounts(q) == {LineKind.BASE: 690, LineKind.FUEL: 86, LineKind.MINIMUM: 224}
    assert q.total_cents == 1000
    uplift = q.line(LineKind.MINIMUM)
    assert uplift is not None
    assert uplift.reason == "minimum charge 10.00 EUR; the lines above come to 7.76 EUR"


def test_no_uplift_above_the_minimum() -> None:
    """Minimum 1000: 12 kg to 00100 is 1990 on its own, no uplift line."""
    card = dataclasses.replace(CARD, minimum_cents=1000)
    q = quote(card, Shipment((parcel(12),), postcode="00100"))
    assert amounts(q) == {LineKind.BASE: 1990}


# --- refusals --------------------------------------------------------------------------------


def test_refuses_a_postcode_outside_every_zone() -> None:
    r = refusal(CARD, Shipment((parcel(1),), postcode="99999"))
    assert r.code is RefusalCode.OUTSIDE_ZONES
    assert r.reason.startswith("postcode 99999 is in no zone (zone 1: postcodes 001, 002; ")


def test_refuses_without_a_postcode_on_a_postcode_card() -> None:
    r = refusal(CARD, Shipment((parcel(1),), distance_km=3.0))
    assert r.code is RefusalCode.OUTSIDE_ZONES
    assert "prices by postcode and the shipment has none" in r.reason


def test_refuses_a_distance_beyond_the_last_band_and_a_missing_distance() -> None:
    """The far band is 10-25 km, so 25.0 km is outside it (bands are open at the end)."""
    far = refusal(DISTANCE_CARD, Shipment((parcel(1),), distance_km=25.0))
    assert far.code is RefusalCode.OUTSIDE_ZONES
    assert far.reason.startswith("25 km from the station is in no zone")
    missing = refusal(DISTANCE_CARD, Shipment((parcel(1),), postcode="00100"))
    assert "prices by distance and the shipment has none" in missing.reason


def test_refuses_too_heavy_when_not_served_above_the_last_break() -> None:
    """Zone 2 ends at 30 kg with no per-kg price: 30 kg is served (2190), 30.5 kg is refused."""
    assert quote(CARD, Shipment((parcel(30),), postcode="00500")).total_cents == 2190
    r = refusal(CARD, Shipment((parcel(30.5),), postcode="00500"))
    assert r.code is RefusalCode.TOO_HEAVY
    assert r.reason == (
        "zone 2 (postcodes 005): 30.5 kg is above the last break (30 kg) and the card does not "
        "serve heavier shipments"
    )
    assert (r.carrier_code, r.service_level) == ("kaupunkikuriiri", ServiceLevel.NEXT_DAY)


# --- the card's own rules --------------------------------------------------------------------


def test_a_card_refuses_ambiguous_or_impossible_zones() -> None:
    near = Zone("a", breaks(("5", 500)), from_km=Decimal(0), to_km=Decimal(6))
    with pytest.raises(InvalidValue, match="overlap"):
        dataclasses.replace(DISTANCE_CARD, zones=(near, DISTANCE_CARD.zones[1]))
    twice = Zone("x", breaks(("5", 500)), postcode_prefixes=frozenset({"005"}))
    with pytest.raises(InvalidValue, match="prefix 005 is in zone 2 and zone x"):
        dataclasses.replace(CARD, zones=(*CARD.zones, twice))
    with pytest.raises(InvalidValue, match="not mixed"):
        dataclasses.replace(CARD, zones=(CARD.zones[0], near))
    with pytest.raises(InvalidValue, match="costs less"):
        Zone("1", breaks(("2", 900), ("5", 800)), postcode_prefixes=frozenset({"001"}))
    with pytest.raises(InvalidValue, match="grow in weight"):
        Zone("1", breaks(("5", 800), ("5", 900)), postcode_prefixes=frozenset({"001"}))
    with pytest.raises(InvalidValue, match="not both"):
        Zone("1", breaks(("5", 800)), postcode_prefixes=frozenset({"001"}), from_km=Decimal(0))
    with pytest.raises(InvalidValue, match="whole number of cents"):
        WeightBreak(Decimal(5), 12.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="ISO 4217"):
        dataclasses.replace(CARD, currency="eur")
    with pytest.raises(InvalidValue, match="at least one parcel"):
        Shipment((), postcode="00100")


def test_show_money() -> None:
    assert (show_money(5, "EUR"), show_money(123456, "SEK")) == ("0.05 EUR", "1234.56 SEK")


# --- properties ------------------------------------------------------------------------------


@st.composite
def cards(draw: st.DrawFn) -> RateCard:
    """A random postcode card with one zone, surcharges and fuel, and a per-kg tail or not."""
    ups = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=5)))
    steps = draw(st.lists(st.integers(0, 900), min_size=len(ups), max_size=len(ups)))
    prices = list(itertools.accumulate(steps))  # never falling, as the card requires
    zone = Zone(
        "1",
        tuple(WeightBreak(Decimal(up), cents) for up, cents in zip(ups, prices, strict=True)),
        postcode_prefixes=frozenset({"00"}),
        per_kg_above_cents=draw(st.none() | st.integers(0, 200)),
    )
    return RateCard(
        "random",
        ServiceLevel.NEXT_DAY,
        "EUR",
        (zone,),
        remote_area=RemoteArea(frozenset({"009"}), draw(st.integers(0, 2000))),
        bulky=Bulky(
            draw(st.integers(0, 2000)), side_over_cm=Decimal(100), weight_over_kg=Decimal(25)
        ),
        extra_parcel_cents=draw(st.integers(0, 500)),
        fuel_percent=Decimal(draw(st.integers(0, 400))) / 10,
        minimum_cents=draw(st.integers(0, 3000)),
    )


weights = st.floats(0, 120, allow_nan=False).map(lambda kg: round(kg, 3))
postcodes = st.sampled_from(["00100", "00990"])
sides = st.tuples(*[st.integers(0, 150)] * 3)


@given(cards(), weights, weights, postcodes, sides)
def test_price_never_decreases_as_weight_grows_within_a_zone(
    card: RateCard, a: float, b: float, postcode: str, box: tuple[int, int, int]
) -> None:
    lighter, heavier = sorted((a, b))
    first = price(card, Shipment((parcel(lighter, box),), postcode=postcode))
    second = price(card, Shipment((parcel(heavier, box),), postcode=postcode))
    if isinstance(first, Quote) and isinstance(second, Quote):
        assert first.total_cents <= second.total_cents
    if isinstance(first, Refusal):  # too heavy stays too heavy
        assert isinstance(second, Refusal)


@given(cards(), st.lists(st.tuples(weights, sides), min_size=1, max_size=4), postcodes)
def test_total_equals_the_sum_of_its_lines(
    card: RateCard, items: list[tuple[float, tuple[int, int, int]]], postcode: str
) -> None:
    parcels = tuple(parcel(kg, box, f"P{n}") for n, (kg, box) in enumerate(items))
    result = price(card, Shipment(parcels, postcode=postcode))
    if isinstance(result, Refusal):
        assert result.code is RefusalCode.TOO_HEAVY
        return
    assert result.total_cents == sum(line.amount_cents for line in result.lines)
    assert all(
        isinstance(line.amount_cents, int) and line.amount_cents >= 0 for line in result.lines
    )
    assert result.total_cents >= card.minimum_cents
    assert result.lines[0].kind is LineKind.BASE
