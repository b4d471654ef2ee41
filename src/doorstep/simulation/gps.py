"""GPS pings of a simulated van: points along a leg's road path, at the app's interval, with
the scatter of a phone's fix."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from doorstep.domain.geo import METRES_PER_DEGREE, Location, distance_m


def along(points: Sequence[tuple[float, float]], share: float) -> tuple[Location, float | None]:
    """The point ``share`` (0..1) of the way along a polyline by distance, and the heading
    there in degrees (None on a path of one point)."""
    return _at(points, _cumulative(points), share)


def _cumulative(points: Sequence[tuple[float, float]]) -> list[float]:
    """Metres from the first point to each point."""
    found = [0.0]
    for a, b in pairwise(points):
        found.append(found[-1] + distance_m(Location(*a), Location(*b)))
    return found


def _at(
    points: Sequence[tuple[float, float]], cumulative: list[float], share: float
) -> tuple[Location, float | None]:
    if len(points) < 2:
        return Location(*points[0]), None
    goal = max(0.0, min(1.0, share)) * cumulative[-1]
    i = max(1, min(len(points) - 1, bisect_left(cumulative, goal)))
    a, b = points[i - 1], points[i]
    length = cumulative[i] - cumulative[i - 1]
    part = (goal - cumulative[i - 1]) / length if length else 0.0
    where = Location(a[0] + (b[0] - a[0]) * part, a[1] + (b[1] - a[1]) * part)
    return where, _heading(a, b)


def _heading(a: tuple[float, float], b: tuple[float, float]) -> float:
    east = (b[1] - a[1]) * math.cos(math.radians(a[0]))
    north = b[0] - a[0]
    return math.degrees(math.atan2(east, north)) % 360.0


def noisy(point: Location, sigma_m: float, rng: random.Random) -> Location:
    """``point`` moved by a normal error of ``sigma_m`` metres on each axis."""
    north, east = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    lat = point.lat + north / METRES_PER_DEGREE
    lon = point.lon + east / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(point.lat))))
    return Location(max(-90.0, min(90.0, lat)), max(-180.0, min(180.0, lon)))


def leg_fixes(
    points: Sequence[tuple[float, float]],
    start: datetime,
    seconds: float,
    interval_s: float,
) -> list[tuple[datetime, Location, float | None, float]]:
    """(time, true position, heading, speed m/s) every ``interval_s`` of a leg driven in
    ``seconds`` along ``points``, at an even pace (the road's pace is not known per street)."""
    if interval_s <= 0 or seconds <= 0 or not points:
        return []
    cumulative = _cumulative(points)
    speed = cumulative[-1] / seconds
    found = []
    t = interval_s
    while t < seconds:
        where, heading = _at(points, cumulative, t / seconds)
        found.append((start + timedelta(seconds=t), where, heading, speed))
        t += interval_s
    return found
