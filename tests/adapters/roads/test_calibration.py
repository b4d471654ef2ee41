"""The road graph's free-flow times against OSRM's car profile on the same Helsinki points.

The issue's target: the median ratio of durations within 0.85-1.15. The figures measured here
go into docs/benchmarks.md through bench/travel.py; this test keeps them from drifting.
"""

from __future__ import annotations

import numpy as np

from doorstep.adapters.roads.osrm import OsrmTravelTimes
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location


def test_durations_agree_with_osrm_car(
    helsinki_region: RegionStore, osrm_helsinki: str, helsinki_points: list[Location]
) -> None:
    ours = RoadGraphTravelTimes(helsinki_region, "helsinki").matrix(helsinki_points)
    with OsrmTravelTimes({SpeedProfile.VAN: osrm_helsinki}) as osrm:
        theirs = osrm.matrix(helsinki_points)
    off = ~np.eye(len(helsinki_points), dtype=bool)
    duration_ratio = ours.durations_s[off] / np.maximum(theirs.durations_s[off], 1)
    distance_ratio = ours.distances_m[off] / np.maximum(theirs.distances_m[off], 1)
    assert 0.85 <= float(np.median(duration_ratio)) <= 1.15
    # Same streets most of the time: the distances agree closely at the median.
    assert 0.95 <= float(np.median(distance_ratio)) <= 1.05
    # Where OSRM sees a one-way detour (A->B and B->A differ by a minute), so do we.
    detours = np.abs(theirs.durations_s - theirs.durations_s.T) > 60
    if detours.any():
        ours_too = np.abs(ours.durations_s - ours.durations_s.T) > 20
        assert (ours_too[detours]).mean() > 0.8
