"""The checks an import does ahead, in the worker process that parses the next batch.

Looking an address up (parsing it, finding its candidates) and checking the phone and e-mail
need nothing but the row's own values, and were two fifths of the main process's batch work.
Done in the worker alongside the parsing, they overlap with the saving of the batch before;
``OrderChecks.run`` then decides flags and places from them exactly as from its own lookups.

A worker gets the geocoder from its ``GeocoderSource`` (a region's address index, loaded
once per worker process and kept for the batches after). A worker forked after ``share``
starts with the main process's own geocoder instead, without loading it again. A remote
geocoder has no source: its questions stay in the main process, and only the contact checks
move.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from doorstep.domain.errors import DomainError
from doorstep.domain.geocoding import GeocoderUnavailable
from doorstep.domain.orders import Address
from doorstep.services.intake.checks import (
    GeocoderSource,
    Lookup,
    OrderChecks,
    Prechecked,
    contact_flags,
    look_up,
)
from doorstep.services.intake.rows import OrderDraft
from doorstep.services.ports import Geocoder

# This process's geocoder by its source; None when the source could not make one. One entry:
# an import uses one region, and a new source (the index rebuilt) replaces the old one.
_loaded: dict[GeocoderSource, Geocoder | None] = {}


@dataclass(frozen=True)
class AheadChecks:
    """What a worker needs to check drafts ahead; small to pickle (the source, not the index)."""

    country: str
    source: GeocoderSource | None = None

    @classmethod
    def of(cls, checks: OrderChecks) -> AheadChecks:
        return cls(checks.country, checks.source)

    def share(self, geocoder: Geocoder) -> None:
        """Remember ``geocoder`` as the source's, in this (the main) process: worker processes
        forked afterwards inherit it, and skip loading the index again (about half a second
        each, at the start of the import, while the main process waits for the first batch)."""
        if self.source is not None:
            _loaded.clear()
            _loaded[self.source] = geocoder

    def run(self, drafts: Iterable[OrderDraft]) -> dict[int, Prechecked]:
        """Each draft's checks done ahead, by row number."""
        geocoder = _geocoder(self.source)
        return {d.row: self._prechecked(d, geocoder) for d in drafts}

    def _prechecked(self, draft: OrderDraft, geocoder: Geocoder | None) -> Prechecked:
        return Prechecked(
            address=draft.address,
            phone=draft.phone,
            email=draft.email,
            contact=tuple(contact_flags(draft.phone, draft.email, self.country)),
            lookup=None if geocoder is None else _lookup(draft.address, geocoder),
        )


def _lookup(address: Address, geocoder: Geocoder) -> Lookup | None:
    try:
        return look_up(address, geocoder)
    except DomainError:
        # A value the lookup refuses (parts too long for an Address) is left to the main
        # process, which then does what it does without workers; the draft may not even
        # become an order.
        return None


def _geocoder(source: GeocoderSource | None) -> Geocoder | None:
    """The source's geocoder, made on first use in this process and kept."""
    if source is None:
        return None
    if source not in _loaded:
        _loaded.clear()
        try:
            _loaded[source] = source()
        except GeocoderUnavailable:
            _loaded[source] = None  # the main process asks its own geocoder, as without workers
    return _loaded[source]
