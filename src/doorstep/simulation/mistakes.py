"""The mistakes real order data carries, injected on purpose into sample data and test sets.

Each function takes a random generator, so a seed gives the same mistakes every time. They
feed ``orders sample`` (the demo), the tests and the geocoding benchmark alike.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from enum import StrEnum

from doorstep.domain.geocoding import KnownAddress

_LETTERS = string.ascii_lowercase + "äö"


class Mistake(StrEnum):
    """The kinds of mistake a sample row may carry (at most one each)."""

    TYPO = "typo"  # a slip in the street name
    MISSING_NUMBER = "missing_number"  # the street without its house number
    WRONG_POSTCODE = "wrong_postcode"  # a real postcode of another area
    PIN_IN_WRONG_STREET = "pin_in_wrong_street"  # coordinates of an address on another street
    BAD_PHONE = "bad_phone"  # a phone number that cannot be dialled
    NONE = "none"


def typo(text: str, rng: random.Random) -> str:
    """One small typing slip in a word of ``text``: a letter dropped, doubled, swapped or wrong.

    Only letters inside a word of four or more letters are touched (people rarely mistype
    short words, and a slip in "6" is a different house, not a typo).
    """
    words = [i for i, word in enumerate(text.split(" ")) if sum(c.isalpha() for c in word) >= 4]
    if not words:
        return text
    parts = text.split(" ")
    index = rng.choice(words)
    word = parts[index]
    # Keep the first letter: it is the one people get right.
    positions = [i for i in range(1, len(word)) if word[i].isalpha()]
    if not positions:
        return text
    at = rng.choice(positions)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        word = word[:at] + word[at + 1 :]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    elif kind == "swap" and at + 1 < len(word) and word[at + 1].isalpha():
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        choices = [c for c in _LETTERS if c != word[at].lower()]
        word = word[:at] + rng.choice(choices) + word[at + 1 :]
    parts[index] = word
    return " ".join(parts)


def other_postcode(address: KnownAddress, postcodes: Sequence[str], rng: random.Random) -> str:
    """A real postcode of the region that is not this address's (a swapped postcode)."""
    others = [p for p in postcodes if p and p != address.postcode]
    return rng.choice(others) if others else address.postcode


def pin_in_another_street(
    address: KnownAddress, nearby: Sequence[KnownAddress], rng: random.Random
) -> KnownAddress | None:
    """An address on a different street among ``nearby`` (a pin dropped in the wrong street)."""
    others = [a for a in nearby if a.street != address.street]
    return rng.choice(others) if others else None


def bad_phone(phone: str, rng: random.Random) -> str:
    """A Finnish mobile number (``040 1234567``, ``+358 40 123 4567``) made undialable.

    The slips are the ones seen in real files: the number cut short by a narrow column, digits
    typed twice, or a wrong operator prefix (049 is not a mobile prefix). Each keeps 6-15
    digits in the writing of the original, so the row still parses and the phone check, not
    the file reader, has to notice it. Finnish mobile numbers are 4x plus 4-8 digits, so a
    cut keeps at most 3 digits after the prefix and an addition brings it past 8.
    """
    positions = [i for i, char in enumerate(phone) if char.isdigit()]
    # Where the national number (4x...) starts: after +358, or after the trunk 0.
    start = 3 if phone.startswith("+358") else 1
    if len(positions) < start + 6:
        return phone + str(rng.randrange(100, 1000))
    kind = rng.choice(("cut", "extra", "prefix"))
    subscriber = "".join(phone[i] for i in positions[start + 2 :])
    if kind == "prefix" and subscriber.startswith("46"):
        kind = "cut"  # 0494 6... is a valid number range, so 49 would not be wrong here
    if kind == "cut":
        return phone[: positions[start + 4] + 1].rstrip(" -")
    if kind == "extra":
        return phone + "".join(str(rng.randrange(10)) for _ in range(rng.choice((2, 3))))
    at = positions[start + 1]
    return phone[:at] + "9" + phone[at + 1 :]
