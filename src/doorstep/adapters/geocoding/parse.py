"""Free-text addresses split into street, house number, unit, postcode and city.

Shippers write addresses every which way: "Mannerheimintie 5 A 12, 00100 Helsinki",
"00100 Helsinki, Mannerheimintie 5", "Helsinki Mannerheimintie 5 as. 5", "12 Birch Lane".
The parser reads the text as tokens (words, numbers, postcodes, unit markers, separators) and
takes the parts in order of how sure it can be of them:

1. floors ("2. krs", "floor 3") and PO boxes are dropped: they place nothing;
2. the postcode is the five-digit number ("FI-00100" and Swedish "114 55" too);
3. a unit is what follows a unit word ("as. 5", "lgh 1201", "apt 4"), a slash ("/12"), or
   the house number ("5 A 12": staircase A, flat 12; "5 B": staircase B);
4. the house number follows the street ("Mannerheimintie 5") or, English style, precedes it
   ("12 Birch Lane"); "5a" (a letter joined to it) and "5-7" are house numbers themselves;
5. the street is the run of words next to the house number;
6. the city is the words beside the postcode, else a known city name, else the words after
   the street. Known cities (a built-in Nordic list, and those the caller passes) are also
   split off a street they were written into: "Helsinki Mannerheimintie 5".

Only the standard library and the domain are used, so the parser could move to any layer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TypeVar

from doorstep.adapters.geocoding.normalise import city_key, lower
from doorstep.domain.orders import Address

# Folded keys of cities the parser recognises without being told (the larger Finnish and
# Swedish ones, in both languages where both are used); the geocoder adds its region's own.
KNOWN_CITIES = frozenset(
    {
        "helsinki",
        "espoo",
        "vantaa",
        "kauniainen",
        "tampere",
        "turku",
        "oulu",
        "jyvaskyla",
        "lahti",
        "kuopio",
        "pori",
        "joensuu",
        "lappeenranta",
        "hameenlinna",
        "vaasa",
        "seinajoki",
        "rovaniemi",
        "mikkeli",
        "kotka",
        "salo",
        "porvoo",
        "kouvola",
        "hyvinkaa",
        "jarvenpaa",
        "kerava",
        "kirkkonummi",
        "tuusula",
        "sipoo",
        "lohja",
        "nurmijarvi",
        "kokkola",
        "pietarsaari",
        "stockholm",
        "goteborg",
        "malmo",
        "uppsala",
        "mariehamn",
        "maarianhamina",
    }
)
COUNTRIES = {
    "finland": "FI",
    "suomi": "FI",
    "fi": "FI",
    "sverige": "SE",
    "sweden": "SE",
    "se": "SE",
    "norway": "NO",
    "norge": "NO",
    "estonia": "EE",
    "eesti": "EE",
}
# Words that introduce a flat or staircase: Finnish (asunto, huoneisto, porras, rappu),
# Swedish (lägenhet, bostad, trappuppgång) and English.
UNIT_WORDS = frozenset(
    {
        "as",
        "asunto",
        "huoneisto",
        "huon",
        "porras",
        "rappu",
        "lgh",
        "lägenhet",
        "bostad",
        "bst",
        "apt",
        "apartment",
        "flat",
        "unit",
        "suite",
        "ste",
    }
)
FLOOR_WORDS = frozenset({"krs", "kerros", "floor", "fl", "vån", "våning", "tr", "etage"})
PO_BOX_WORDS = frozenset({"pl", "pb", "box", "postilokero", "postbox"})

_TOKEN = re.compile(
    r"""
    (?P<slash>/\s*\d{1,5}[A-Za-z]?)
    |(?P<hash>\#\s*\d{1,5})
    |(?P<postcode>\b[A-Za-z]{1,2}-\d{4,5}\b|\b\d{5}\b)
    |(?P<ordinal_word>\b\d{1,4}(?i:st|nd|rd|th)\b)
    |(?P<range>\b\d{1,4}[A-Za-z]?\s*[-\u2013]\s*\d{1,4}[A-Za-z]?\b)
    |(?P<ordinal>\b\d{1,3}\.(?!\d))
    |(?P<number>\b\d{1,4}[A-Za-z]?\b)
    |(?P<code>\b[^\W\d_]-?\d{1,4}\b)
    |(?P<word>[^\W\d_](?:[\w'\u2019.\-]*[\w.])?)
    |(?P<sep>[,;\n|])
    """,
    re.VERBOSE,
)
_CARE_OF = re.compile(r"^\s*c/o\b", re.IGNORECASE)
_WORDISH = ("word", "letter")
_T = TypeVar("_T")


@dataclass
class _Token:
    kind: str  # word letter unitword floor number range ordinal code slash hash postcode
    text: str
    segment: int
    used: bool = False


@dataclass
class _Parts:
    street: str = ""
    house_number: str = ""
    units: list[tuple[int, str]] = field(default_factory=list)  # (token position, text)
    postcode: str = ""
    postcode_at: int = -1
    city: str = ""
    country: str = ""
    street_span: tuple[int, int] = (-1, -1)  # token positions of the street, end exclusive


def parse_address(text: str, *, cities: Collection[str] = ()) -> Address:
    """Split ``text`` into an ``Address`` (``as_given`` is ``text``); parts not found stay "".

    ``cities`` adds city names to recognise (e.g. a region's), besides ``KNOWN_CITIES``.
    """
    known = KNOWN_CITIES | {city_key(c) for c in cities}
    tokens = _tokens(text)
    parts = _Parts()
    _drop_floors_and_boxes(tokens)
    _take_postcode(tokens, parts)
    _take_unit_words(tokens, parts)
    at = _take_house_number(tokens, parts)
    if at is not None:
        _take_unit_after(tokens, at, parts)
    _take_street(tokens, at, parts, known)
    _take_city(tokens, parts, known)
    _split_city_off_street(parts, known)
    unit = " ".join(value for _, value in sorted(parts.units))
    return Address(
        as_given=text,
        street=parts.street,
        house_number=parts.house_number,
        unit=unit,
        postcode=parts.postcode,
        city=parts.city,
        country=parts.country,
    )


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for segment, piece in enumerate(re.split(r"[,;\n|]", text)):
        if _CARE_OF.match(piece):
            continue  # "c/o Someone": a name, not a place
        for found in _TOKEN.finditer(piece):
            kind = found.lastgroup or "word"
            value = found.group(0).strip()
            if kind == "word":
                kind = _word_kind(value)
            elif kind == "ordinal_word":
                kind = "word"  # "45th Street"
            elif kind == "range":
                value = re.sub(r"\s*[-\u2013]\s*", "-", value)
            tokens.append(_Token(kind, value, segment))
    _join_split_postcodes(tokens)
    return tokens


def _word_kind(word: str) -> str:
    bare = lower(word).rstrip(".")
    if len(bare) == 1 and bare.isalpha():
        # "A" may be a staircase; "k." is a shortened street type ("Alvar Aallon k.").
        return "word" if word.endswith(".") else "letter"
    if bare in UNIT_WORDS:
        return "unitword"
    if bare in FLOOR_WORDS:
        return "floor"
    return "word"


def _join_split_postcodes(tokens: list[_Token]) -> None:
    """Swedish postcodes are written "114 55"; at the start of a part they are no house number."""
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        starts = i == 0 or tokens[i - 1].segment != first.segment
        if (
            starts
            and first.segment == second.segment
            and re.fullmatch(r"\d{3}", first.text)
            and re.fullmatch(r"\d{2}", second.text)
        ):
            first.kind, first.text = "postcode", first.text + second.text
            second.used = True


def _first(items: list[_T]) -> _T | None:
    return items[0] if items else None


def _same_segment(tokens: list[_Token], i: int, j: int) -> bool:
    return 0 <= j < len(tokens) and tokens[j].segment == tokens[i].segment


def _drop_floors_and_boxes(tokens: list[_Token]) -> None:
    """Floors ("2. krs", "krs 2", "3 tr", "floor 6") and PO boxes ("PL 123") place no door."""
    for i, token in enumerate(tokens):
        if token.kind == "floor":
            token.used = True
            for j in (i - 1, i + 1):
                if _same_segment(tokens, i, j) and tokens[j].kind in ("ordinal", "number"):
                    tokens[j].used = True
        elif token.kind == "ordinal":
            token.used = True  # "2." alone is a floor or a list item, never a house number
        elif (
            token.kind == "word"
            and lower(token.text).rstrip(".") in PO_BOX_WORDS
            and (i == 0 or tokens[i - 1].segment != token.segment)
            and _same_segment(tokens, i, i + 1)
            and tokens[i + 1].kind == "number"
        ):
            token.used = tokens[i + 1].used = True


def _take_postcode(tokens: list[_Token], parts: _Parts) -> None:
    """The five-digit number (or one with a country prefix, "FI-00100", "FL-9490") that does
    not follow a street word: "Fait Avenue 25227, 21224 Baltimore" has both. Without one, a
    four-digit number opening a later part before a city ("Landstrasse 5, 9496 Triesen")."""
    found = [i for i, t in enumerate(tokens) if t.kind == "postcode" and not t.used]
    free = [i for i in found if not _after_word(tokens, i)]
    chosen = _first(free) if free else _first(found[-1:]) if len(found) > 1 else _first(found)
    if chosen is None:
        chosen = _first(
            [
                i
                for i, t in enumerate(tokens)
                if t.kind == "number"
                and re.fullmatch(r"\d{4}", t.text)
                and t.segment > 0
                and (i == 0 or tokens[i - 1].segment != t.segment)
                and _same_segment(tokens, i, i + 1)
                and tokens[i + 1].kind == "word"
            ]
        )
    if chosen is not None:
        tokens[chosen].used = True
        parts.postcode = re.sub(r"^[A-Za-z]{1,2}-", "", tokens[chosen].text)
        parts.postcode_at = chosen


def _after_word(tokens: list[_Token], i: int) -> bool:
    """Whether token ``i`` follows an unused word of its part: where a house number stands."""
    return (
        _same_segment(tokens, i, i - 1) and tokens[i - 1].kind == "word" and not tokens[i - 1].used
    )


def _take_unit_words(tokens: list[_Token], parts: _Parts) -> None:
    """Units marked as such anywhere: "as. 5", "lgh 1201", "apt 4", "/12", "#4"."""
    for i, token in enumerate(tokens):
        if token.used:
            continue
        if token.kind in ("slash", "hash"):
            token.used = True
            parts.units.append((i, token.text.lstrip("/#").strip()))
        elif token.kind == "unitword" and _same_segment(tokens, i, i + 1):
            value = tokens[i + 1]
            if value.used or value.kind not in ("number", "letter", "code"):
                continue
            token.used = value.used = True
            parts.units.append((i, f"{token.text} {value.text}"))


def _take_house_number(tokens: list[_Token], parts: _Parts) -> int | None:
    """The number after a street word (Nordic), else one before a street (English)."""
    # A five-digit number left after the postcode is a (long, American) house number.
    numbered = ("number", "range", "postcode")
    numbers = [i for i, t in enumerate(tokens) if t.kind in numbered and not t.used]
    after_word = [i for i in numbers if _after_word(tokens, i)]
    before_word = [
        i
        for i in numbers
        if (i == 0 or tokens[i - 1].segment != tokens[i].segment)
        and _same_segment(tokens, i, i + 1)
        and tokens[i + 1].kind == "word"
        and not tokens[i + 1].used
    ]
    chosen = _first(after_word + before_word)
    if chosen is not None:
        tokens[chosen].used = True
        parts.house_number = tokens[chosen].text
    return chosen


def _take_unit_after(tokens: list[_Token], at: int, parts: _Parts) -> None:
    """A unit right after the house number: "5 A 12" (staircase, flat), "5 A", "5 A12", "5 12"."""
    i = at + 1
    if not _same_segment(tokens, at, i) or tokens[i].used:
        return
    first = tokens[i]
    if first.kind == "letter":
        first.used = True
        text = first.text.rstrip(".").upper()
        if _same_segment(tokens, i, i + 1) and tokens[i + 1].kind == "number":
            tokens[i + 1].used = True
            text = f"{text} {tokens[i + 1].text}"
        parts.units.append((i, text))
    elif first.kind in ("code", "number"):
        first.used = True
        parts.units.append((i, first.text))


def _runs(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Spans (start, end) of unused words standing together in one part of the text."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, token in enumerate(tokens):
        wordish = token.kind in _WORDISH and not token.used
        joined = start is not None and tokens[start].segment == token.segment
        if wordish and (start is None or not joined):
            if start is not None:
                runs.append((start, i))
            start = i
        elif not wordish and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(tokens)))
    return runs


def _text(tokens: list[_Token], span: tuple[int, int]) -> str:
    return " ".join(t.text for t in tokens[span[0] : span[1]])


def _use(tokens: list[_Token], span: tuple[int, int]) -> None:
    for token in tokens[span[0] : span[1]]:
        token.used = True


def _take_street(
    tokens: list[_Token], at: int | None, parts: _Parts, known: frozenset[str]
) -> None:
    runs = _runs(tokens)
    chosen: tuple[int, int] | None = None
    if at is not None:
        before = [r for r in runs if r[1] == at and _same_segment(tokens, at, at - 1)]
        after = [r for r in runs if r[0] == at + 1 and _same_segment(tokens, at, r[0])]
        chosen = _first(before + after)
    else:
        # No number: the first words that are neither the city beside the postcode (after it,
        # else before it) nor a known city.
        city = _beside_postcode(tokens, runs, parts.postcode_at)[:1]
        streets = [r for r in runs if r not in city and city_key(_text(tokens, r)) not in known]
        chosen = _first(streets)
    if chosen is not None:
        parts.street = _text(tokens, chosen)
        parts.street_span = chosen
        _use(tokens, chosen)


def _take_city(tokens: list[_Token], parts: _Parts, known: frozenset[str]) -> None:
    runs = _runs(tokens)
    for run in runs:  # "Helsinki, Finland": a country is no city
        country = COUNTRIES.get(lower(_text(tokens, run)))
        if country is not None:
            parts.country = country
            _use(tokens, run)
    runs = _runs(tokens)
    beside = _beside_postcode(tokens, runs, parts.postcode_at)
    named = [r for r in runs if city_key(_text(tokens, r)) in known]
    later = [r for r in runs if r[0] >= parts.street_span[1]]
    chosen = _first(beside + named + later[-1:])
    if chosen is not None:
        parts.city = _text(tokens, chosen)
        _use(tokens, chosen)


def _beside_postcode(
    tokens: list[_Token], runs: list[tuple[int, int]], at: int
) -> list[tuple[int, int]]:
    """The words right after the postcode, then those right before it ("00100 Helsinki")."""
    if at < 0:
        return []
    after = [r for r in runs if r[0] == at + 1 and _same_segment(tokens, at, r[0])]
    before = [r for r in runs if r[1] == at and _same_segment(tokens, at, r[1] - 1)]
    return after + before


def _split_city_off_street(parts: _Parts, known: frozenset[str]) -> None:
    """A known city written into the street with no comma between ("Helsinki Mannerheimintie",
    "Mannerheimintie Helsinki") is the city."""
    words = parts.street.split()
    if len(words) < 2 or parts.city:
        return  # with the city written elsewhere, a street may well start with its name
    for size in (2, 1):
        if len(words) <= size:
            continue
        for city, rest in ((words[:size], words[size:]), (words[-size:], words[:-size])):
            if city_key(" ".join(city)) in known:
                parts.city = " ".join(city)
                parts.street = " ".join(rest)
                return
