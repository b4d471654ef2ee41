"""The map's base layer: the region's streets cut into tiles, simplified by zoom."""

from __future__ import annotations

import numpy as np

from doorstep.adapters.roads.basemap import EXTENT, Basemap, _thinned, mercator
from doorstep.adapters.roads.regions import RegionStore
from doorstep.domain.fleet import SpeedProfile

CENTRE = (60.1699, 24.9384)  # in the bundled Helsinki extract


def tile_at(z: int) -> tuple[int, int, int]:
    x, y = mercator(np.array([CENTRE[0]]), np.array([CENTRE[1]]))
    return z, int(x[0] * 2**z), int(y[0] * 2**z)


def basemap(store: RegionStore) -> Basemap:
    return Basemap(
        store.graph("helsinki", SpeedProfile.VAN), store.graph("helsinki", SpeedProfile.CARGO_BIKE)
    )


def test_a_tile_holds_the_streets_crossing_it_in_tile_coordinates(
    helsinki_region: RegionStore,
) -> None:
    lines = basemap(helsinki_region).tile(*tile_at(16))
    assert len(lines) > 5
    for line in lines:
        xs, ys = line.points[0::2], line.points[1::2]
        assert len(xs) == len(ys) >= 2
        # Every line reaches the tile or its thin margin (lines run past the edge, so the
        # strokes of neighbouring tiles join without a seam).
        margin = EXTENT // 16
        assert max(xs) >= -margin
        assert min(xs) <= EXTENT + margin
        assert max(ys) >= -margin
        assert min(ys) <= EXTENT + margin


def test_zoomed_out_only_the_bigger_roads_are_drawn_and_with_fewer_points(
    helsinki_region: RegionStore,
) -> None:
    roads = basemap(helsinki_region)
    far = roads.tile(*tile_at(11))
    near = roads.tile(*tile_at(16))
    assert {line.road_class for line in far} <= {"arterial"}
    assert "local" in {line.road_class for line in near}
    # The city's arterials at zoom 11 have fewer points than the same streets' detail zoomed in.
    assert sum(len(line.points) for line in far) < 4 * sum(len(line.points) for line in near)


def test_off_the_region_or_outside_the_zooms_a_tile_is_empty(
    helsinki_region: RegionStore,
) -> None:
    roads = basemap(helsinki_region)
    assert roads.tile(16, 0, 0) == ()
    assert roads.tile(5, *tile_at(5)[1:]) == ()
    assert roads.tile(21, *tile_at(21)[1:]) == ()


def test_thinning_keeps_both_ends_and_drops_points_closer_than_a_step() -> None:
    px = np.array([0, 3, 20, 22, 40, 41])
    py = np.array([0, 0, 0, 1, 0, 0])
    assert _thinned(px, py, step=16) == [0, 0, 20, 0, 40, 0, 41, 0]
