"""Comparing what people type: one way to drop case and accents, used wherever names meet."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")


def without_accents(text: str) -> str:
    """Case-folded text with diacritics removed: "Töölö" -> "toolo" (spacing kept)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: how two spellings of one
    name are compared ("Mannerheimintie 5," and "mannerheimintie  5" meet)."""
    return " ".join(_NOT_WORD.sub(" ", without_accents(text)).split())
