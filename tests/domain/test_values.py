"""The shared guards in ``domain/checks.py``: each failure names the field it checks."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from doorstep.domain.checks import aware, non_negative, positive, text
from doorstep.domain.errors import InvalidValue


@pytest.mark.parametrize("value", [-0.001, -1.0, math.nan, math.inf, -math.inf])
def test_non_negative_refuses_negative_and_non_finite(value: float) -> None:
    """Weights, durations and costs must be finite and >= 0."""
    with pytest.raises(InvalidValue) as raised:
        non_negative("weight_kg", value)
    assert raised.value.field == "weight_kg"


def test_non_negative_accepts_zero_and_positive() -> None:
    """Zero is an allowed amount; positive() is the stricter guard."""
    non_negative("weight_kg", 0.0)
    non_negative("weight_kg", 12.5)
    with pytest.raises(InvalidValue, match="> 0"):
        positive("weight_kg", 0.0)


@pytest.mark.parametrize(("value", "max_length"), [("", 10), ("   ", 10), ("x" * 11, 10)])
def test_text_refuses_blank_and_too_long(value: str, max_length: int) -> None:
    """Required text must not be blank and no text may exceed its maximum length."""
    with pytest.raises(InvalidValue) as raised:
        text("name", value, max_length=max_length)
    assert raised.value.field == "name"


def test_optional_text_may_be_empty() -> None:
    """Text that is not required may be empty but is still length-limited."""
    text("note", "", required=False)
    with pytest.raises(InvalidValue):
        text("note", "x" * 3, max_length=2, required=False)


def test_aware_refuses_naive_datetimes() -> None:
    """A time without an offset is ambiguous across stations and is refused by name."""
    aware("at", datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))))
    aware("at", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidValue) as raised:
        aware("at", datetime(2026, 1, 1))
    assert raised.value.field == "at"
