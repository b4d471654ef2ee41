"""Locations: WGS 84 degrees within range."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidValue
from doorstep.domain.geo import Location


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (91.0, 0.0, "lat"),
        (-90.5, 0.0, "lat"),
        (math.nan, 0.0, "lat"),
        (math.inf, 0.0, "lat"),
        (0.0, -181.0, "lon"),
        (0.0, 180.01, "lon"),
        (0.0, math.nan, "lon"),
    ],
)
def test_out_of_range_coordinates_are_refused(lat: float, lon: float, field: str) -> None:
    """A latitude beyond +-90, longitude beyond +-180 or a non-finite value names its field."""
    with pytest.raises(InvalidValue) as raised:
        Location(lat, lon)
    assert raised.value.field == field


@given(st.floats(-90, 90), st.floats(-180, 180))
def test_every_point_in_range_is_accepted(lat: float, lon: float) -> None:
    """Every finite point within the ranges, the poles and antimeridian included, is valid."""
    assert Location(lat, lon) == Location(lat, lon)
