"""The straight-line fallback: great-circle distance, circuity and per-profile speeds."""

from __future__ import annotations

import numpy as np
import pytest

from doorstep.adapters.roads.haversine import (
    DEFAULT_SPEEDS_KMH,
    HaversineTravelTimes,
    great_circle_m,
)
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location

RAILWAY_STATION = Location(60.1710, 24.9414)  # Helsinki Central, main entrance
SENATE_SQUARE = Location(60.1695, 24.9523)
#: WGS 84 ellipsoidal (geodesic) distance between the two, from PROJ's Geod.inv.
STATION_TO_SQUARE_M = 627.75

POINTS = [
    RAILWAY_STATION,
    SENATE_SQUARE,
    Location(60.1699, 24.9384),  # Kamppi
    Location(59.4370, 24.7536),  # Tallinn, across the gulf
]


def test_matrix_is_symmetric_with_a_zero_diagonal() -> None:
    """Straight lines are the same both ways and nothing to go from a point to itself."""
    matrix = HaversineTravelTimes().matrix(POINTS)
    for values in (matrix.durations_s, matrix.distances_m):
        assert values.dtype == np.int32
        assert values.shape == (4, 4)
        assert np.array_equal(values, values.T)
        assert not np.diagonal(values).any()
        assert (values[~np.eye(4, dtype=bool)] > 0).all()
    assert matrix.origin_snap_m.tolist() == [0.0] * 4
    assert matrix.destination_snap_m.tolist() == [0.0] * 4


def test_known_distance_within_one_percent() -> None:
    """Railway station to Senate Square agrees with the ellipsoidal distance within 1%."""
    metres = float(great_circle_m(60.1710, 24.9414, 60.1695, 24.9523))
    assert metres == pytest.approx(STATION_TO_SQUARE_M, rel=0.01)
    plain = HaversineTravelTimes(circuity=1.0).matrix([RAILWAY_STATION], [SENATE_SQUARE])
    assert plain.distances_m[0, 0] == pytest.approx(STATION_TO_SQUARE_M, rel=0.01)


def test_circuity_and_speed_are_applied() -> None:
    """Distance is straight line x circuity; duration that distance at the profile's speed."""
    straight = float(great_circle_m(60.1710, 24.9414, 60.1695, 24.9523))
    provider = HaversineTravelTimes(circuity=1.5, speeds_kmh={SpeedProfile.CARGO_BIKE: 12.0})
    for profile, kmh in [
        (SpeedProfile.VAN, DEFAULT_SPEEDS_KMH[SpeedProfile.VAN]),
        (SpeedProfile.TRUCK, DEFAULT_SPEEDS_KMH[SpeedProfile.TRUCK]),
        (SpeedProfile.CARGO_BIKE, 12.0),
    ]:
        matrix = provider.matrix([RAILWAY_STATION], [SENATE_SQUARE], profile=profile)
        assert matrix.distances_m[0, 0] == round(straight * 1.5)
        assert matrix.durations_s[0, 0] == round(straight * 1.5 / (kmh / 3.6))


def test_slower_profiles_take_longer() -> None:
    provider = HaversineTravelTimes()
    van = provider.matrix(POINTS, profile=SpeedProfile.VAN)
    bike = provider.matrix(POINTS, profile=SpeedProfile.CARGO_BIKE)
    assert np.array_equal(van.distances_m, bike.distances_m)
    off_diagonal = ~np.eye(4, dtype=bool)
    assert (bike.durations_s[off_diagonal] > van.durations_s[off_diagonal]).all()


def test_rectangular_matrix_rows_are_origins() -> None:
    matrix = HaversineTravelTimes().matrix(POINTS[:1], POINTS)
    assert matrix.durations_s.shape == (1, 4)
    assert matrix.distances_m[0, 0] == 0
    assert matrix.distances_m[0, 3] > 80_000  # Helsinki to Tallinn, stretched by 1.3


def test_path_is_the_straight_segment() -> None:
    provider = HaversineTravelTimes()
    path = provider.path(RAILWAY_STATION, SENATE_SQUARE, profile=SpeedProfile.TRUCK)
    leg = provider.matrix([RAILWAY_STATION], [SENATE_SQUARE], profile=SpeedProfile.TRUCK)
    assert path.points == ((60.1710, 24.9414), (60.1695, 24.9523))
    assert path.duration_s == leg.durations_s[0, 0]
    assert path.distance_m == leg.distances_m[0, 0]


def test_empty_input_gives_an_empty_matrix() -> None:
    matrix = HaversineTravelTimes().matrix([])
    assert matrix.durations_s.shape == (0, 0)


@pytest.mark.parametrize(
    ("circuity", "speeds"),
    [(0.9, None), (float("nan"), None), (1.3, {SpeedProfile.VAN: 0.0})],
)
def test_nonsense_settings_are_refused(
    circuity: float, speeds: dict[SpeedProfile, float] | None
) -> None:
    with pytest.raises(ValueError, match=r"circuity|speed"):
        HaversineTravelTimes(circuity=circuity, speeds_kmh=speeds)
