"""``parse_address``: free text split into street, house number, unit, postcode and city."""

from __future__ import annotations

import pytest

from doorstep.adapters.geocoding.parse import parse_address

# text -> (street, house number, unit, postcode, city)
CASES = {
    "Mannerheimintie 5": ("Mannerheimintie", "5", "", "", ""),
    "Mannerheimintie 5, 00100 Helsinki": ("Mannerheimintie", "5", "", "00100", "Helsinki"),
    "Mannerheimintie 5 A 12": ("Mannerheimintie", "5", "A 12", "", ""),
    "Mannerheimintie 5 B": ("Mannerheimintie", "5", "B", "", ""),
    "Mannerheimintie 5 b 4 helsinki": ("Mannerheimintie", "5", "B 4", "", "helsinki"),
    "Mannerheimintie 5 A12": ("Mannerheimintie", "5", "A12", "", ""),
    "Mannerheimintie 5 as. 5, 00100 Helsinki": (
        "Mannerheimintie",
        "5",
        "as. 5",
        "00100",
        "Helsinki",
    ),
    "Kalevankatu 3 as 7": ("Kalevankatu", "3", "as 7", "", ""),
    "Sveavägen 12 lgh 1201, 111 57 Stockholm": (
        "Sveavägen",
        "12",
        "lgh 1201",
        "11157",
        "Stockholm",
    ),
    "Mannerheimintie 5/12": ("Mannerheimintie", "5", "12", "", ""),
    "Mannerheimintie 5 #12": ("Mannerheimintie", "5", "12", "", ""),
    "Apt 4, 12 Birch Lane": ("Birch Lane", "12", "Apt 4", "", ""),
    # Parts in any order, with or without commas.
    "00100 Helsinki, Mannerheimintie 5": ("Mannerheimintie", "5", "", "00100", "Helsinki"),
    "Helsinki Mannerheimintie 5 A 12": ("Mannerheimintie", "5", "A 12", "", "Helsinki"),
    "Helsinki 00100 Mannerheimintie 5": ("Mannerheimintie", "5", "", "00100", "Helsinki"),
    "Mannerheimintie 5 00100 Helsinki": ("Mannerheimintie", "5", "", "00100", "Helsinki"),
    "Mannerheimintie 5 A 12 00100 Helsinki": ("Mannerheimintie", "5", "A 12", "00100", "Helsinki"),
    "Mannerheimintie 5 Helsinki": ("Mannerheimintie", "5", "", "", "Helsinki"),
    "12 Birch Lane, 01230 Testby": ("Birch Lane", "12", "", "01230", "Testby"),
    # House numbers with letters and ranges stay whole.
    "Mannerheimintie 5a": ("Mannerheimintie", "5a", "", "", ""),
    "Fredrikinkatu 5-7 B 12": ("Fredrikinkatu", "5-7", "B 12", "", ""),
    "Mannerheimintie 5 - 7, FI-00100 Helsinki, Finland": (
        "Mannerheimintie",
        "5-7",
        "",
        "00100",
        "Helsinki",
    ),
    # Abbreviated street types are words, not staircases.
    "Alvar Aallon k. 3 C": ("Alvar Aallon k.", "3", "C", "", ""),
    "Aleksanterink. 52 B": ("Aleksanterink.", "52", "B", "", ""),
    # No number, or no street.
    "Mannerheimintie, Helsinki": ("Mannerheimintie", "", "", "", "Helsinki"),
    "Helsinki, Mannerheimintie": ("Mannerheimintie", "", "", "", "Helsinki"),
    "Mannerheimintie 00100 Helsinki": ("Mannerheimintie", "", "", "00100", "Helsinki"),
    "00100 Helsinki": ("", "", "", "00100", "Helsinki"),
    "Helsinki": ("", "", "", "", "Helsinki"),
    # Floors, PO boxes and c/o lines place nothing.
    "Yrjönkatu 26, 2. krs, 00100 Helsinki": ("Yrjönkatu", "26", "", "00100", "Helsinki"),
    "c/o Matti, Mannerheimintie 5": ("Mannerheimintie", "5", "", "", ""),
    "PL 123, 00101 Helsinki": ("", "", "", "00101", "Helsinki"),
    # Elsewhere: long American numbers, ordinal street names, four-digit postcodes.
    "Fait Avenue 25227, 21224 Baltimore": ("Fait Avenue", "25227", "", "21224", "Baltimore"),
    "503 45th Street, 21224 Highlandtown": ("45th Street", "503", "", "21224", "Highlandtown"),
    "Landstrasse 20, 9496 Triesen": ("Landstrasse", "20", "", "9496", "Triesen"),
}


@pytest.mark.parametrize("text", CASES)
def test_parts_are_found_in_any_order(text: str) -> None:
    parsed = parse_address(text, cities=["Testby"])
    found = (parsed.street, parsed.house_number, parsed.unit, parsed.postcode, parsed.city)
    assert found == CASES[text]
    assert parsed.as_given == text


def test_a_known_city_is_split_off_only_when_the_city_is_not_written_elsewhere() -> None:
    assert parse_address("Testby Birch Lane 5", cities=["Testby"]).street == "Birch Lane"
    # "Dundalk Avenue" in Dundalk: the city is written after the postcode.
    both = parse_address("Dundalk Avenue 1923, 21222 Dundalk", cities=["Dundalk"])
    assert (both.street, both.city) == ("Dundalk Avenue", "Dundalk")
    # Without being told of the city, the parser cannot split it off.
    assert parse_address("Testby Birch Lane 5").street == "Testby Birch Lane"


def test_the_country_is_read_and_kept_apart() -> None:
    parsed = parse_address("Mannerheimintie 5, 00100 Helsinki, Finland")
    assert (parsed.city, parsed.country) == ("Helsinki", "FI")


def test_a_unit_is_only_reported_when_one_was_written() -> None:
    for text in ("Mannerheimintie 5", "Mannerheimintie 5a, 00100 Helsinki", "Oak Lane 12"):
        assert parse_address(text).unit == "", text
    for text in ("Mannerheimintie 5 A", "Mannerheimintie 5 C 3", "Sveavägen 1 lgh 1001"):
        assert parse_address(text).unit != "", text
