"""Confidence rules on small hand-made indexes: ambiguity lowers it, agreement raises it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from doorstep.adapters.geocoding.local import LocalGeocoder
from doorstep.adapters.roads.regions import AddressTable
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location, distance_m
from doorstep.domain.geocoding import ACCEPT_CONFIDENCE, GeocoderUnavailable, MatchLevel
from doorstep.domain.orders import Address

# (street, number, postcode, city, lat, lon)
Row = tuple[str, str, str, str, float, float]
M = 1 / 111_320  # about a metre of latitude, in degrees


def table(rows: list[Row], aliases: Sequence[tuple[str, str, bool]] = ()) -> AddressTable:
    n = len(rows)
    return AddressTable(
        street=np.asarray([r[0] for r in rows], dtype=np.str_),
        housenumber=np.asarray([r[1] for r in rows], dtype=np.str_),
        postcode=np.asarray([r[2] for r in rows], dtype=np.str_),
        city=np.asarray([r[3] for r in rows], dtype=np.str_),
        lat=np.asarray([r[4] for r in rows], dtype=np.float64),
        lon=np.asarray([r[5] for r in rows], dtype=np.float64),
        entrance=np.zeros(n, dtype=np.bool_),
        units=np.zeros(n, dtype=np.int32),
        unit=np.full(n, "", dtype=np.str_),
        outline=np.zeros(n, dtype=np.bool_),
        alias_street=np.asarray([a[0] for a in aliases], dtype=np.str_),
        alias_name=np.asarray([a[1] for a in aliases], dtype=np.str_),
        alias_secondary=np.asarray([a[2] for a in aliases], dtype=np.bool_),
    )


def street(name: str, postcode: str, city: str, lat: float, numbers: range) -> list[Row]:
    """Houses 20 m apart along a street running east, odd numbers north of it."""
    return [
        (name, str(n), postcode, city, lat + (10 if n % 2 else -10) * M, 24.9 + n * 10 * M * 2)
        for n in numbers
    ]


def best(geocoder: LocalGeocoder, text: str, **parts: str) -> list[tuple[str, str, float]]:
    found = geocoder.forward(Address(text, **parts), limit=5)
    return [(f"{c.street} {c.house_number}".strip(), c.city, c.confidence) for c in found]


def test_one_street_name_in_two_cities_needs_the_city_or_postcode() -> None:
    g = LocalGeocoder(
        table(
            street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 9))
            + street("Kirkkokatu", "22200", "Beta", 60.5, range(1, 9))
        )
    )
    both = best(g, "Kirkkokatu 3")
    assert {city for _, city, _ in both} == {"Alpha", "Beta"}
    assert all(confidence <= 0.5 for _, _, confidence in both)
    for query, city in (("Kirkkokatu 3, Beta", "Beta"), ("Kirkkokatu 3, 11100", "Alpha")):
        found = best(g, query)
        assert found[0][1] == city
        assert found[0][2] >= ACCEPT_CONFIDENCE > found[1][2]
    structured = best(g, "Kirkkokatu 3", city="Beta")
    assert structured[0][1] == "Beta"


def test_two_streets_equally_near_a_typo_are_not_taken() -> None:
    g = LocalGeocoder(
        table(
            street("Mill Meadow Lane", "11100", "Alpha", 60.0, range(1, 9))
            + street("Mill Meadow Lake", "11100", "Alpha", 60.01, range(1, 9))
        )
    )
    found = best(g, "Mill Meadow Lame 3, 11100 Alpha")
    assert {name for name, _, _ in found[:2]} == {"Mill Meadow Lane 3", "Mill Meadow Lake 3"}
    assert found[0][2] < ACCEPT_CONFIDENCE
    # With only one of them in the postcode written, that one is taken.
    g = LocalGeocoder(
        table(
            street("Mill Meadow Lane", "11100", "Alpha", 60.0, range(1, 9))
            + street("Mill Meadow Lake", "22200", "Alpha", 60.01, range(1, 9))
        )
    )
    found = best(g, "Mill Meadow Lame 3, 11100 Alpha")
    assert found[0][0] == "Mill Meadow Lane 3"
    assert found[0][2] >= ACCEPT_CONFIDENCE


def test_a_wrong_postcode_alone_keeps_the_address_and_shows_its_postcode() -> None:
    g = LocalGeocoder(table(street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 9))))
    found = g.forward(Address("Kirkkokatu 3, 99900 Alpha"), limit=1)[0]
    assert (found.house_number, found.postcode) == ("3", "11100")
    assert found.confidence >= ACCEPT_CONFIDENCE
    wrong_city = g.forward(Address("Kirkkokatu 3, Gamma"), limit=1)[0]
    assert wrong_city.accepted  # one street of that name: the city is a slip
    both_wrong = g.forward(Address("Kirkkokatu 3, 99900 Gamma"), limit=1)[0]
    assert not both_wrong.accepted


def test_interpolation_stays_on_the_side_of_the_street_the_number_is_on() -> None:
    rows = [
        r
        for r in street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 21))
        if r[1] not in {"5", "6"}
    ]
    g = LocalGeocoder(table(rows))
    by_number = {r[1]: Location(r[4], r[5]) for r in rows}
    for asked, low, high in (("5", "3", "7"), ("6", "4", "8")):
        found = g.forward(Address(f"Kirkkokatu {asked}"), limit=1)[0]
        assert found.level is MatchLevel.INTERPOLATED
        assert found.confidence < ACCEPT_CONFIDENCE
        middle = Location(
            (by_number[low].lat + by_number[high].lat) / 2,
            (by_number[low].lon + by_number[high].lon) / 2,
        )
        assert distance_m(found.location, middle) < 1.0


def test_a_real_name_beats_another_streets_old_name() -> None:
    rows = street("Hallituskatu", "11100", "Alpha", 60.0, range(1, 9)) + street(
        "Yliopistonkatu", "11100", "Alpha", 60.01, range(1, 9)
    )
    g = LocalGeocoder(table(rows, [("Yliopistonkatu", "Hallituskatu", True)]))
    found = g.forward(Address("Hallituskatu 3"), limit=2)
    assert found[0].street == "Hallituskatu"
    assert found[0].accepted
    alone = LocalGeocoder(table(rows[8:], [("Yliopistonkatu", "Hallituskatu", True)]))
    old = alone.forward(Address("Hallituskatu 3"), limit=1)[0]
    assert old.street == "Yliopistonkatu"  # the old name still finds the street


def test_missing_cities_and_postcodes_are_filled_from_the_street() -> None:
    rows = street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 9))
    rows[0] = ("Kirkkokatu", "1", "", "", rows[0][4], rows[0][5])
    g = LocalGeocoder(table(rows))
    first = next(a for a in g.addresses() if a.house_number == "1")
    assert (first.postcode, first.city) == ("11100", "Alpha")


def test_the_structured_parts_are_used_as_given() -> None:
    g = LocalGeocoder(table(street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 9))))
    found = g.forward(Address("whatever the shipper wrote", street="Kirkkokatu", house_number="3"))
    assert found[0].house_number == "3"
    combined = g.forward(Address("x", street="Kirkkokatu 3 B"))
    assert combined[0].house_number == "3"


def test_bad_arguments_and_empty_indexes_are_refused() -> None:
    g = LocalGeocoder(table(street("Kirkkokatu", "11100", "Alpha", 60.0, range(1, 3))))
    with pytest.raises(InvalidValue, match="limit"):
        g.forward(Address("Kirkkokatu 1"), limit=0)
    with pytest.raises(InvalidValue, match="radius_m"):
        g.reverse(Location(60.0, 24.9), radius_m=0)
    with pytest.raises(GeocoderUnavailable):
        LocalGeocoder(table([]))
