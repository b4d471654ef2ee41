"""Address text brought to comparable keys: case, diacritics, abbreviations, house numbers.

Every key here is *compact*: lower case with everything but letters and digits removed, so
"Asema-Aukio", "asema-aukio" and "Asema aukio" are one street. A *folded* key also drops the
diacritics (ä -> a, ö -> o, å -> a), for people who type without them; the geocoder tries the
key as written first, so "Särkkä" still prefers Särkkä over a Sarkka.

Only the standard library is used, so the parser and these keys could serve any layer.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from doorstep.domain.text import without_accents

# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th"})
_NOT_ALNUM = re.compile(r"[\W_]+")

# A street-type word written short and alone: "Aleksanterin k.", "Birch St", "Oak Ave".
# Several meanings are all tried; the index keeps the one that is a street.
WORD_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # Finnish
    "k": ("katu",),
    "t": ("tie",),
    "kj": ("kuja",),
    "p": ("polku",),
    "pk": ("puistokatu",),
    "pt": ("puistotie",),
    "tr": ("tori",),
    # Swedish
    "g": ("gatan",),
    "v": ("vägen",),
    "gr": ("gränd", "gränden", "grove"),
    # English
    "st": ("street", "saint"),
    "rd": ("road",),
    "ave": ("avenue",),
    "av": ("avenue",),
    "blvd": ("boulevard",),
    "dr": ("drive",),
    "ln": ("lane",),
    "pl": ("place", "platsen"),
    "ct": ("court",),
    "cres": ("crescent",),
    "gdns": ("gardens",),
    "tce": ("terrace",),
    "terr": ("terrace",),
    "pkwy": ("parkway",),
    "sq": ("square",),
    "cl": ("close",),
    "cir": ("circle",),
    "hwy": ("highway",),
}
# Only as the first word: "N Birch Lane" is North Birch Lane, but an "n" elsewhere is not.
LEADING_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "n": ("north",),
    "s": ("south",),
    "e": ("east",),
    "w": ("west",),
    "upr": ("upper",),
    "lwr": ("lower",),
}
# Street-type words shortened at the end of the name, with a full stop: "Aleksanterink."
# (Aleksanterinkatu), "Mannerheimv." (Mannerheimvägen). Longest first, so "pk." beats "k.".
ATTACHED_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("pk", "puistokatu"),
    ("pt", "puistotie"),
    ("kj", "kuja"),
    ("tr", "tori"),
    ("gr", "gränd"),
    ("k", "katu"),
    ("t", "tie"),
    ("p", "polku"),
    ("g", "gatan"),
    ("v", "vägen"),
)
MAX_VARIANTS = 16

# Finnish municipalities with a Swedish name in use (and a few other Nordic exonyms): a city
# written either way is the same city. Keys and values are folded compact keys.
CITY_SYNONYMS = {
    "helsingfors": "helsinki",
    "esbo": "espoo",
    "vanda": "vantaa",
    "grankulla": "kauniainen",
    "abo": "turku",
    "tammerfors": "tampere",
    "uleaborg": "oulu",
    "borga": "porvoo",
    "vasa": "vaasa",
    "kyrkslatt": "kirkkonummi",
    "sibbo": "sipoo",
    "traskanda": "jarvenpaa",
    "kervo": "kerava",
    "lojo": "lohja",
    "tavastehus": "hameenlinna",
    "villmanstrand": "lappeenranta",
    "karleby": "kokkola",
    "jakobstad": "pietarsaari",
    "bjorneborg": "pori",
    "sanktmichel": "mikkeli",
}


def lower(text: str) -> str:
    """Case-folded, composed (NFC) text with single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """``lower`` without diacritics: "Töölöntori" -> "toolontori", "Åbo" -> "abo"."""
    return without_accents(lower(text).translate(_UNDECOMPOSED))


def compact(text: str) -> str:
    """Lower case letters and digits only (diacritics kept): the key a street is stored under."""
    return _NOT_ALNUM.sub("", lower(text))


def folded(text: str) -> str:
    """``compact`` without diacritics."""
    return _NOT_ALNUM.sub("", fold(text))


def city_key(text: str) -> str:
    """The folded key of a city, with Swedish names of Finnish cities mapped to the Finnish."""
    key = folded(text)
    return CITY_SYNONYMS.get(key, key)


def postcode_key(text: str) -> str:
    """The postcode as compared: "FI-00100", "00 100" and "00100" are one; "114 55" too."""
    cleaned = re.sub(r"^[A-Za-z]{1,2}-", "", text.strip())
    return re.sub(r"\s+", "", cleaned).upper()


def street_variants(text: str) -> list[str]:
    """Compact keys a street as written may mean: as written first, then with abbreviations
    expanded ("Aleksanterink." -> aleksanterinkatu, "Birch St" -> birchstreet)."""
    words = lower(text).split()
    if not words:
        return []
    options = [_word_options(word, first=i == 0) for i, word in enumerate(words)]
    keys: list[str] = []
    for combination in itertools.islice(itertools.product(*options), MAX_VARIANTS):
        key = _NOT_ALNUM.sub("", "".join(combination))
        if key and key not in keys:
            keys.append(key)
    return keys


def _word_options(word: str, *, first: bool) -> list[str]:
    options = [word]
    bare = word.rstrip(".")
    options += WORD_ABBREVIATIONS.get(bare, ())
    if first:
        options += LEADING_ABBREVIATIONS.get(bare, ())
    if word.endswith(".") and bare not in WORD_ABBREVIATIONS:
        for short, full in ATTACHED_ABBREVIATIONS:
            # At least two letters of name before it: "t." alone is handled above.
            if bare.endswith(short) and len(bare) >= len(short) + 2:
                options.append(bare[: -len(short)] + full)
                break
    return options


def is_abbreviated(text: str) -> bool:
    """Whether a street as written ends in a shortened word ("Aleksanterink.", "Vilhonk")."""
    return text.rstrip().endswith(".")


_NUMBER_KEY = re.compile(r"^(\d+)([a-z]?)(?:-(\d+)([a-z]?))?$")


@lru_cache(maxsize=65_536)
def number_key(text: str) -> str:
    """A house number as compared: "5 A", "5a" and "5A" are "5a"; "5 - 7" is "5-7"."""
    return re.sub(r"\s+", "", lower(text).replace("\u2013", "-").replace("\u2014", "-"))


@lru_cache(maxsize=65_536)
def number_parts(key: str) -> tuple[int, str, int | None] | None:
    """A number key split into its first number, letter and the last number of a range:
    "5a" -> (5, "a", None), "14-20" -> (14, "", 20); None when it is no house number."""
    found = _NUMBER_KEY.match(key)
    if found is None:
        return None
    last = int(found.group(3)) if found.group(3) else None
    return int(found.group(1)), found.group(2), last


def unit_letter(unit: str) -> str:
    """The staircase letter a unit starts with ("A 12" -> "a", "B" -> "b"), else ""."""
    found = re.match(r"^\s*([A-Za-zÅÄÖåäö])(?:\s*\d+|\s*$|-\d)", unit)
    return found.group(1).lower() if found else ""
