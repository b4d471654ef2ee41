"""The local geocoder on a synthetic city: English street types, Swedish second names, blocks
of flats, one city with several postcodes."""

from __future__ import annotations

import random

from doorstep.adapters.geocoding.local import LocalGeocoder
from doorstep.adapters.roads.regions import AddressTable
from doorstep.domain.geo import distance_m
from doorstep.domain.geocoding import ACCEPT_CONFIDENCE, KnownAddress, MatchLevel
from doorstep.domain.orders import Address
from doorstep.simulation import mistakes
from tests.adapters.geocoding.conftest import SYNTH_CITY

SHORT = {" Street": " St", " Road": " Rd", " Avenue": " Ave", " Lane": " Ln", " Drive": " Dr"}


def text(a: KnownAddress, street: str | None = None) -> str:
    return f"{street or a.street} {a.house_number}, {a.postcode} {a.city}"


def found_at(geocoder: LocalGeocoder, query: str, a: KnownAddress) -> tuple[bool, bool]:
    """Whether the top candidate is within 50 m of ``a``, and whether it was taken."""
    best = geocoder.forward(Address(query), limit=1)
    if not best:
        return False, False
    return distance_m(best[0].location, a.location) <= 50, best[0].accepted


def test_every_address_is_indexed_once_with_its_city(synth: LocalGeocoder) -> None:
    known = synth.addresses()
    assert len(known) > 4000
    assert {a.city for a in known} == {SYNTH_CITY}
    assert len({(a.street, a.house_number) for a in known}) == len(known)
    assert len(synth.postcodes()) >= 2


def test_exact_and_reordered_addresses_are_taken(synth: LocalGeocoder) -> None:
    rng = random.Random(1)
    for a in rng.sample(synth.addresses(), 300):
        number = f"{a.street} {a.house_number}"
        for query in (text(a), f"{a.postcode} {a.city}, {number}", f"{a.city} {number}", number):
            assert found_at(synth, query, a) == (True, True), query


def test_english_street_types_may_be_shortened(synth: LocalGeocoder) -> None:
    tried = 0
    for a in synth.addresses()[:2000]:
        for full, short in SHORT.items():
            if a.street.endswith(full):
                tried += 1
                query = text(a, a.street.removesuffix(full) + short)
                assert found_at(synth, query, a) == (True, True), query
    assert tried > 100


def test_swedish_names_find_the_streets(synth: LocalGeocoder, synth_table: AddressTable) -> None:
    swedish = dict(
        zip(synth_table.alias_street.tolist(), synth_table.alias_name.tolist(), strict=True)
    )
    with_alias = [a for a in synth.addresses() if a.street in swedish]
    assert len(with_alias) > 100
    for a in with_alias[::10]:
        query = text(a, swedish[a.street])
        assert found_at(synth, query, a) == (True, True), query


def test_one_typo_finds_at_least_97_percent_and_is_rarely_taken_wrongly(
    synth: LocalGeocoder,
) -> None:
    rng = random.Random(11)
    right = wrong_taken = tried = 0
    for a in rng.sample(synth.addresses(), 600):
        slipped = mistakes.typo(a.street, rng)
        if slipped == a.street:
            continue
        tried += 1
        ok, taken = found_at(synth, text(a, slipped), a)
        right += ok
        wrong_taken += taken and not ok
    assert tried > 400
    assert right >= 0.97 * tried
    assert wrong_taken == 0


def test_blocks_of_flats_report_their_units(synth: LocalGeocoder) -> None:
    flats = [a for a in synth.addresses() if a.units >= 4]
    assert len(flats) > 100
    for a in flats[:50]:
        best = synth.forward(Address(text(a)), limit=1)[0]
        assert best.units == a.units
    houses = [a for a in synth.addresses() if a.units == 0][:50]
    assert all(synth.forward(Address(text(a)), limit=1)[0].units == 0 for a in houses)


def test_missing_number_and_unknown_number(synth: LocalGeocoder) -> None:
    a = synth.addresses()[100]
    street = synth.forward(Address(f"{a.street}, {a.postcode} {a.city}"), limit=1)[0]
    assert street.level is MatchLevel.STREET
    assert street.confidence < ACCEPT_CONFIDENCE
    beyond = synth.forward(Address(f"{a.street} 999, {a.city}"), limit=1)[0]
    assert beyond.level is MatchLevel.INTERPOLATED
    assert beyond.confidence < ACCEPT_CONFIDENCE


def test_parse_knows_the_regions_city(synth: LocalGeocoder) -> None:
    parsed = synth.parse(f"{SYNTH_CITY} Birch Lane 5 B 3")
    assert (parsed.street, parsed.house_number, parsed.unit, parsed.city) == (
        "Birch Lane",
        "5",
        "B 3",
        SYNTH_CITY,
    )
