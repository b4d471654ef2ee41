"""What the remote geocoders (Nominatim, Pelias) share: HTTP with honest errors, and the rules
that turn "how well does the answer agree with what was asked" into a confidence.

A remote service answers in its own terms; doorstep's ``Candidate.confidence`` must mean the
same whichever geocoder answered, because ``ACCEPT_CONFIDENCE`` decides whether a person looks
at the match. So every confidence is capped by what the match level can promise (a street never
tells which door) and lowered where the returned street or house number disagrees with the one
asked for.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

import httpx2
from rapidfuzz import fuzz

from doorstep import __version__
from doorstep.adapters.geocoding.parse import parse_address
from doorstep.adapters.http_client import EngineClient
from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import GeocoderUnavailable, MatchLevel
from doorstep.domain.orders import Address

#: Sent unless the caller gives its own: Nominatim's usage policy requires a User-Agent that
#: identifies the application (a library's stock one is refused).
DEFAULT_USER_AGENT = f"doorstep/{__version__} (open-source last-mile delivery platform)"

#: The most a match of each level can be trusted, however well its parts agree. Only a match
#: that names a building (or its door) may reach ACCEPT_CONFIDENCE (0.8): an interpolated number
#: is a guess along the street, a street or an area does not say which door.
LEVEL_CEILING: Mapping[MatchLevel, float] = MappingProxyType(
    {
        MatchLevel.ENTRANCE: 0.95,
        MatchLevel.ADDRESS: 0.95,
        MatchLevel.INTERPOLATED: 0.75,
        MatchLevel.STREET: 0.6,
        MatchLevel.POSTCODE: 0.35,
        MatchLevel.CITY: 0.15,
    }
)

#: Levels that place a house number, so the number asked for must agree with the one found.
NUMBERED = frozenset({MatchLevel.ENTRANCE, MatchLevel.ADDRESS, MatchLevel.INTERPOLATED})

_NUMBER = re.compile(r"(\d+)\s*([a-z]?)(?![a-z])")
_AFTER = re.compile(r"\s+(\d+)(?:\s*([a-z])(?![a-z]))?")
_BEFORE = re.compile(r"(\d+)\s*([a-z]?)\s+$")


class RemoteGeocoder(EngineClient):
    """An HTTP client for one geocoding service: made here unless one is given (and then
    closed here too: ``with Geocoder(...) as geocoder:`` or ``close()``)."""

    #: The service's name in error messages.
    service = "geocoder"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        client: httpx2.Client | None,
        user_agent: str,
    ) -> None:
        if not base_url.strip():
            raise ValueError(f"{self.service} needs a base URL, e.g. http://localhost:8080")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        super().__init__(timeout_s=timeout_s, client=client, follow_redirects=True)
        self._base = base_url.strip().rstrip("/")
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}

    def parse(self, text: str) -> Address:
        """The local parser: the checks need the parts before the service answers."""
        return parse_address(text)

    def get_json(self, path: str, params: Mapping[str, str], what: str) -> object:
        """The decoded JSON answer to ``GET base + path``; ``GeocoderUnavailable`` otherwise.

        ``what`` describes the request in words ("the search for 'Mannerheimintie 5'") for
        the error a refusal raises. Messages name the URL without its query string, which may
        hold an API key.
        """
        url = self._base + path
        try:
            response = self._client.get(
                url, params=dict(params), headers=self._headers, timeout=self._timeout_s
            )
        except httpx2.TimeoutException as exc:
            raise GeocoderUnavailable(
                f"{self.service} at {url} did not answer within {self._timeout_s:g} s ({exc!r})"
            ) from exc
        except httpx2.HTTPError as exc:
            raise GeocoderUnavailable(f"{self.service} at {url} did not answer: {exc!r}") from exc
        status = response.status_code
        if status >= 500:
            raise GeocoderUnavailable(
                f"{self.service} at {url} failed with HTTP {status}: {_excerpt(response)}"
            )
        if status >= 400:
            hint = ""
            if status in (403, 429):
                hint = " (blocked or rate-limited: check the service's usage policy or API key)"
            raise GeocoderUnavailable(
                f"{self.service} at {url} refused {what} with HTTP {status}{hint}: "
                f"{self.error_message(response)}"
            )
        if status != 200:
            raise GeocoderUnavailable(
                f"{self.service} at {url} answered HTTP {status} instead of results: "
                f"{_excerpt(response)}"
            )
        try:
            return response.json()
        except ValueError:
            raise GeocoderUnavailable(
                f"{self.service} at {url} sent an answer that is not JSON: {_excerpt(response)}"
            ) from None

    def error_message(self, response: httpx2.Response) -> str:
        """The service's own explanation of a refusal; overridden per service."""
        return _excerpt(response)

    def unparseable(self, path: str, detail: str) -> GeocoderUnavailable:
        return GeocoderUnavailable(
            f"{self.service} at {self._base + path} sent an answer doorstep cannot read: {detail}"
        )


def _excerpt(response: httpx2.Response) -> str:
    text = " ".join(response.text.split())
    return repr(text[:300]) if text else "(empty body)"


def decimal(value: float, places: int) -> str:
    """``value`` with at most ``places`` decimals and no exponent (``0.2``, ``60.1695``)."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def as_number(value: object) -> float | None:
    """A finite JSON number as a float; None for anything else (null, strings, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def point(lat: float | None, lon: float | None) -> Location | None:
    """The location, or None when either coordinate is missing or out of range."""
    if lat is None or lon is None:
        return None
    try:
        return Location(lat, lon)
    except InvalidValue:
        return None


def check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")


def check_radius(radius_m: float) -> None:
    if not math.isfinite(radius_m) or radius_m <= 0:
        raise ValueError(f"radius_m must be a positive number of metres, got {radius_m}")


# -- agreement between what was asked and what was found ------------------------------------


def fold(text: str) -> str:
    """Text reduced for comparison: case, accents and punctuation dropped, spaces collapsed.

    Accents go because shippers often type without them ("Toolonkatu" for "Töölönkatu"), and
    that is the same street.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def similarity(asked: str, found: str) -> float:
    """How alike two names are, 0..1 (1 when equal after ``fold``)."""
    a, b = fold(asked), fold(found)
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


def mention(text: str, name: str) -> float:
    """How well ``name`` appears somewhere inside ``text``, 0..1 (1 when literally)."""
    a, b = fold(name), fold(text)
    if not a or not b:
        return 0.0
    return fuzz.partial_ratio(a, b) / 100.0


def number_in_text(text: str, street: str) -> str:
    """The house number written with ``street`` in free text: the number right after the
    street's name ("Mannerheimintie 5 A 12" -> "5 a"), else right before it ("221B Baker
    Street"); "" when there is none, or the name is not in the text as written.

    Only whitespace may separate the two: after a comma comes the postcode, not the number.
    """
    plain, name = _plain(text), _plain(street)
    where = plain.find(name) if name else -1
    if where < 0:
        return ""
    found = _AFTER.match(plain, where + len(name)) or _BEFORE.search(plain[:where])
    return " ".join(part for part in found.groups() if part) if found else ""


def _plain(text: str) -> str:
    """Lower case without accents, punctuation kept (it separates the parts of an address)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join(
        "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split()
    )


def _number_key(number: str) -> tuple[str, str] | None:
    found = _NUMBER.search(fold(number))
    return (found.group(1), found.group(2)) if found else None


def number_agreement(asked: str, found: str) -> float:
    """1 for the same house number, 0.9 when only a letter is missing on one side ("5" and
    "5 A": in Finland the letter is usually the staircase of the same building), 0.7 when no
    number was asked (some house on the street, not a chosen one), 0.5 for another house."""
    asked_key, found_key = _number_key(asked), _number_key(found)
    if asked_key is None:
        return 0.7
    if found_key is None:
        return 0.5
    if asked_key == found_key:
        return 1.0
    if asked_key[0] == found_key[0] and not (asked_key[1] and found_key[1]):
        return 0.9
    return 0.5


def distance_factor(distance_m: float) -> float:
    """How much a reverse match is worth by its distance from the point asked about: whole
    within 10 m (the point is at the building), falling linearly to half at 210 m and beyond."""
    if distance_m <= 10.0:
        return 1.0
    return max(0.5, 1.0 - (distance_m - 10.0) / 400.0)


def clamp(confidence: float) -> float:
    """Into [0, 1], rounded to three decimals so equal evidence gives equal numbers."""
    if not math.isfinite(confidence):
        return 0.0
    return round(min(1.0, max(0.0, confidence)), 3)
