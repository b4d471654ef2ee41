"""Small guards that turn a broken rule into an InvalidValue naming the field."""

from __future__ import annotations

import math
from datetime import datetime

from doorstep.domain.errors import InvalidValue


def non_negative(field: str, value: float) -> None:
    """Refuse negative or non-finite amounts (weights, durations, costs)."""
    if not math.isfinite(value) or value < 0:
        raise InvalidValue(field, f"must be a finite number >= 0, got {value}")


def positive(field: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise InvalidValue(field, f"must be a finite number > 0, got {value}")


def text(field: str, value: str, *, max_length: int = 200, required: bool = True) -> None:
    """Refuse blank required text and text longer than ``max_length`` characters."""
    if required and not value.strip():
        raise InvalidValue(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters, got {len(value)}")


def aware(field: str, value: datetime) -> None:
    """Instants must carry a time zone: a naive time is ambiguous across stations."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, "must include a time zone offset, e.g. 2026-11-21T09:00:00+02:00")
