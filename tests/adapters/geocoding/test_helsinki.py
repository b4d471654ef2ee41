"""The local geocoder on the real Helsinki extract: every tolerance, checked with addresses
read from the index itself."""

from __future__ import annotations

import itertools
import random
import unicodedata

import pytest

from doorstep.adapters.geocoding.local import LocalGeocoder
from doorstep.adapters.roads.regions import RegionStore
from doorstep.domain.geo import Location, distance_m
from doorstep.domain.geocoding import (
    ACCEPT_CONFIDENCE,
    Candidate,
    GeocoderUnavailable,
    KnownAddress,
    MatchLevel,
)
from doorstep.domain.orders import Address
from doorstep.simulation import mistakes

RIGHT_M = 50.0


def top(geocoder: LocalGeocoder, text: str) -> Candidate:
    found = geocoder.forward(Address(text), limit=3)
    assert found, text
    return found[0]


def is_at(candidate: Candidate, address: KnownAddress) -> bool:
    return distance_m(candidate.location, address.location) <= RIGHT_M


def label(a: KnownAddress, street: str | None = None) -> str:
    tail = " ".join(p for p in (a.postcode, a.city) if p)
    return f"{street or a.street} {a.house_number}, {tail}".rstrip(", ")


def test_every_address_is_found_exactly_and_taken(helsinki: LocalGeocoder) -> None:
    known = helsinki.addresses()
    assert len(known) > 500
    for a in known:
        best = top(helsinki, label(a))
        assert best.location == a.location, label(a)
        assert best.confidence >= ACCEPT_CONFIDENCE
        assert (best.street, best.house_number, best.units) == (a.street, a.house_number, a.units)


def test_case_and_diacritics_do_not_matter(helsinki: LocalGeocoder) -> None:
    with_marks = [a for a in helsinki.addresses() if any(c in a.street for c in "äöå")]
    assert len(with_marks) > 20
    for a in with_marks:
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", label(a)) if not unicodedata.combining(c)
        )
        for text in (plain.lower(), plain.upper(), label(a).lower()):
            best = top(helsinki, text)
            assert is_at(best, a), text
            assert best.confidence >= ACCEPT_CONFIDENCE, text


@pytest.mark.parametrize(
    ("suffix", "short"),
    [("katu", "k."), ("katu", " k."), ("tie", "t."), ("kuja", "kj.")],
)
def test_finnish_street_types_may_be_shortened(
    helsinki: LocalGeocoder, suffix: str, short: str
) -> None:
    found = [a for a in helsinki.addresses() if a.street.endswith(suffix)]
    assert found
    for a in found[:40]:
        text = label(a, a.street.removesuffix(suffix) + short)
        assert is_at(top(helsinki, text), a), text


def test_swedish_street_names_find_the_finnish_addresses(helsinki: LocalGeocoder) -> None:
    for text, street, number in (
        ("Mannerheimvägen 5, Helsingfors", "Mannerheimintie", "5"),
        ("Alexandersgatan 52 B", "Aleksanterinkatu", "52"),
        ("Mannerheimv. 5", "Mannerheimintie", "5"),
        ("Alexandersg. 52", "Aleksanterinkatu", "52"),
    ):
        best = top(helsinki, text)
        assert (best.street, best.house_number) == (street, number), text
        assert best.confidence >= ACCEPT_CONFIDENCE


def test_one_typo_in_the_street_still_finds_the_address(helsinki: LocalGeocoder) -> None:
    rng = random.Random(7)
    known = helsinki.addresses()
    right = wrong_and_taken = tried = 0
    for a in rng.sample(known, 300):
        slipped = mistakes.typo(a.street, rng)
        if slipped == a.street:
            continue
        tried += 1
        best = top(helsinki, label(a, slipped))
        right += is_at(best, a)
        wrong_and_taken += not is_at(best, a) and best.accepted
    assert right >= 0.97 * tried
    assert wrong_and_taken == 0


def test_missing_swapped_and_reordered_parts(helsinki: LocalGeocoder) -> None:
    rng = random.Random(3)
    postcodes = helsinki.postcodes()
    for a in rng.sample(helsinki.addresses(), 100):
        street = f"{a.street} {a.house_number}"
        texts = [street, f"{a.city} {street}", f"{a.postcode} {a.city}, {street}"]
        other = mistakes.other_postcode(a, postcodes, rng)
        texts.append(f"{street}, {other} {a.city}")
        for text in texts:
            best = top(helsinki, text)
            assert is_at(best, a), text
            # A wrong postcode alone still places the address; the candidate's own postcode
            # lets the order checks flag it.
            assert best.confidence >= ACCEPT_CONFIDENCE, text
            assert best.postcode == a.postcode


def test_house_numbers_with_letters_and_ranges(helsinki: LocalGeocoder) -> None:
    lettered = [a for a in helsinki.addresses() if a.house_number[-1:].isalpha()]
    assert lettered
    for a in lettered:
        digits = "".join(c for c in a.house_number if c.isdigit())
        letter = a.house_number[-1]
        for number in (f"{digits}{letter.lower()}", f"{digits} {letter.upper()}"):
            best = top(helsinki, f"{a.street} {number}, {a.city}")
            assert best.house_number == a.house_number, number
            assert best.accepted
    ranged = [a for a in helsinki.addresses() if "-" in a.house_number]
    assert ranged
    for a in ranged:
        assert top(helsinki, label(a)).house_number == a.house_number


def test_a_missing_number_gives_the_street_below_acceptance(helsinki: LocalGeocoder) -> None:
    best = top(helsinki, "Mannerheimintie, 00100 Helsinki")
    assert best.level is MatchLevel.STREET
    assert best.street == "Mannerheimintie"
    assert best.house_number == ""
    assert best.confidence < ACCEPT_CONFIDENCE


def gap_on_a_street(known: list[KnownAddress]) -> tuple[KnownAddress, int, KnownAddress]:
    """Two addresses of one street on the same side (parity) with a number missing between."""
    by_street: dict[str, dict[int, KnownAddress]] = {}
    taken: dict[str, set[int]] = {}
    for a in known:
        digits = "".join(c for c in a.house_number.split("-")[0] if c.isdigit())
        taken.setdefault(a.street, set()).add(int(digits))
        if a.house_number.isdigit():
            by_street.setdefault(a.street, {})[int(a.house_number)] = a
    for street, numbers in sorted(by_street.items()):
        for parity in (0, 1):
            side = sorted(n for n in numbers if n % 2 == parity)
            for low, high in itertools.pairwise(side):
                if high - low >= 4 and low + 2 not in taken[street]:
                    return numbers[low], low + 2, numbers[high]
    raise AssertionError("no street with a gap in its numbers")


def test_a_number_the_street_lacks_is_interpolated_below_acceptance(
    helsinki: LocalGeocoder,
) -> None:
    low, asked, high = gap_on_a_street(helsinki.addresses())
    best = top(helsinki, f"{low.street} {asked}")
    assert best.level is MatchLevel.INTERPOLATED
    assert (best.street, best.house_number) == (low.street, str(asked))
    assert best.confidence < ACCEPT_CONFIDENCE
    # Between its neighbours on the same side of the street.
    a, b = low.location, high.location
    assert distance_m(best.location, a) <= distance_m(a, b) + 1
    assert distance_m(best.location, b) <= distance_m(a, b) + 1


def test_units_and_staircase_doors(helsinki: LocalGeocoder) -> None:
    plain = top(helsinki, "Siltavuorenpenger 10")
    assert plain.units == 3
    door_c = top(helsinki, "Siltavuorenpenger 10 C 5")
    assert door_c.level is MatchLevel.ENTRANCE
    assert door_c.units == 3
    door_a = top(helsinki, "Siltavuorenpenger 10 A 1")
    assert door_a.location != door_c.location  # each staircase has its own door
    assert distance_m(door_a.location, door_c.location) < 100


def test_ambiguous_prefix_and_unknown_street(helsinki: LocalGeocoder) -> None:
    assert helsinki.forward(Address("Xyzzyntie 5")) == []
    area = helsinki.forward(Address("Xyzzyntie 5, 00100 Helsinki"))
    assert [c.level for c in area] == [MatchLevel.POSTCODE, MatchLevel.CITY]
    assert all(c.confidence < ACCEPT_CONFIDENCE for c in area)


def test_reverse_finds_the_nearest_addresses_with_distances(helsinki: LocalGeocoder) -> None:
    rng = random.Random(5)
    for a in rng.sample(helsinki.addresses(), 50):
        best = helsinki.reverse(a.location)[0]
        assert best.distance_m is not None
        assert best.distance_m < 1.0
        assert best.confidence > 0.99
    a = helsinki.addresses()[0]
    # About 30 m north: still an answer, with the distance, less sure.
    moved = Location(a.location.lat + 30 / 111_320, a.location.lon)
    found = helsinki.reverse(moved, limit=5)
    assert 1 <= len(found) <= 5
    distances = [c.distance_m or 0.0 for c in found]
    assert distances == sorted(distances)
    assert distances[0] <= 31
    assert [c.confidence for c in found] == sorted((c.confidence for c in found), reverse=True)
    assert helsinki.reverse(Location(60.0, 24.0)) == []  # kilometres from any address


def test_a_region_without_an_index_is_unavailable(tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = RegionStore(tmp_path_factory.mktemp("none"))
    with pytest.raises(GeocoderUnavailable, match="doorstep region build"):
        LocalGeocoder.from_region(empty, "helsinki")
