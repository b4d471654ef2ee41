"""The record of what people changed on an order in the needs-attention queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FixAction(StrEnum):
    CHOOSE_CANDIDATE = "choose_candidate"  # one of the geocoder's candidates
    MOVE_PIN = "move_pin"  # coordinates placed by hand
    EDIT = "edit"  # fields changed (address, window, phone ...)
    RECHECK = "recheck"  # checks run again without a change
    RELEASE = "release"  # to ready; acknowledges any blocking flag still open


@dataclass(frozen=True)
class OrderFix:
    """Who did what to an order, when; ``changes`` maps a field to its (before, after) text."""

    id: str
    organisation_id: str
    order_id: str
    at: datetime
    actor: str
    action: FixAction
    changes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    note: str = ""
