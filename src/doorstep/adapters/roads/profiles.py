"""Vehicle profiles: which roads a van, a truck or a cargo bike may use, and how fast.

The van profile follows OSRM's car profile (speeds per highway type, 80 % of a posted
``maxspeed``, surface caps, turn and signal penalties) so that free-flow durations agree with
OSRM on the same extract; ``tests/adapters/roads/test_calibration.py`` measures the agreement.
It departs from OSRM where a delivery van differs from a private car: access is read from the
``goods`` tags (a light commercial vehicle). Like OSRM, roads signed ``destination``,
``delivery`` or ``private`` are used only to reach places on them, never as short cuts.
The truck is a 7.5 t urban delivery truck; the cargo bike rides cycleways and may use
pedestrian streets where bicycles are allowed.

Time of day: each road belongs to a class (arterial, collector, local, cycle) with a speed
factor per hour, so rush hours are slower on main roads. The factors are modelling defaults,
not measurements.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from doorstep.domain.fleet import SpeedProfile

# Road classes for time-of-day factors, by highway type.
ARTERIAL, COLLECTOR, LOCAL, CYCLE = 0, 1, 2, 3
_ROAD_CLASS = {
    "motorway": ARTERIAL,
    "motorway_link": ARTERIAL,
    "trunk": ARTERIAL,
    "trunk_link": ARTERIAL,
    "primary": ARTERIAL,
    "primary_link": ARTERIAL,
    "secondary": COLLECTOR,
    "secondary_link": COLLECTOR,
    "tertiary": COLLECTOR,
    "tertiary_link": COLLECTOR,
    "cycleway": CYCLE,
    "path": CYCLE,
    "footway": CYCLE,
    "pedestrian": CYCLE,
    "track": CYCLE,
}


def road_class(highway: str) -> int:
    return _ROAD_CLASS.get(highway, LOCAL)


def _hourly(peak: float, shoulder: float, midday: float) -> tuple[float, ...]:
    """24 factors: rush hours 7-9 and 16-18 at ``peak``, the hours beside them at ``shoulder``."""
    factors = [1.0] * 24
    for hour in (10, 11, 12, 13, 14):
        factors[hour] = midday
    for hour in (6, 9, 15, 18):
        factors[hour] = shoulder
    for hour in (7, 8, 16, 17):
        factors[hour] = peak
    return tuple(factors)


# Duration multipliers per road class and local hour (1.0 = free flow).
DEFAULT_HOURLY_FACTORS: tuple[tuple[float, ...], ...] = (
    _hourly(peak=1.45, shoulder=1.2, midday=1.1),  # arterial
    _hourly(peak=1.3, shoulder=1.15, midday=1.05),  # collector
    _hourly(peak=1.1, shoulder=1.05, midday=1.0),  # local
    _hourly(peak=1.0, shoulder=1.0, midday=1.0),  # cycle: bikes pass queues
)

_CAR_SPEEDS = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}
_BIKE_SPEEDS = {
    "primary": 15.0,
    "primary_link": 15.0,
    "secondary": 15.0,
    "secondary_link": 15.0,
    "tertiary": 15.0,
    "tertiary_link": 15.0,
    "unclassified": 15.0,
    "residential": 15.0,
    "living_street": 12.0,
    "service": 12.0,
    "cycleway": 16.0,
    "path": 12.0,
    "track": 10.0,
    "pedestrian": 6.0,  # walking pace among pedestrians
    "footway": 6.0,
}
# OSRM's surface caps (km/h): cobbles and setts slow cars down; bikes get a softer version.
_SURFACE_CAPS = {
    "cement": 80.0,
    "compacted": 80.0,
    "fine_gravel": 80.0,
    "paving_stones": 60.0,
    "metal": 60.0,
    "bricks": 60.0,
    "grass": 40.0,
    "wood": 40.0,
    "sett": 40.0,
    "grass_paver": 40.0,
    "gravel": 40.0,
    "unpaved": 40.0,
    "ground": 40.0,
    "dirt": 40.0,
    "pebblestone": 40.0,
    "cobblestone": 30.0,
    "clay": 30.0,
    "earth": 20.0,
    "stone": 20.0,
    "rocky": 20.0,
    "sand": 20.0,
    "mud": 10.0,
}
_BLOCKING_ACCESS = frozenset(
    {
        "no",
        "agricultural",
        "forestry",
        "emergency",
        "psv",
        "bus",
        "taxi",
        "foot",
        "military",
        "official",
        "restricted",
    }
)
# Roads a vehicle may use to reach a place on them but not to pass through (OSRM's
# "restricted" roads). Entering one from an open road costs ROUTABILITY_PENALTY_S of search
# weight, never of reported time, so only stops inside such a zone lead into it.
RESTRICTED_ACCESS = frozenset(
    {"private", "delivery", "destination", "customers", "permit", "residents"}
)
_CAR_BARRIER_OK = frozenset(
    {"cattle_grid", "border_control", "toll_booth", "sally_port", "no", "entrance", "arch"}
)
_CAR_BARRIER_PENALTY = {"gate": 60.0, "lift_gate": 60.0}
_BIKE_BARRIER_BLOCKS = frozenset({"fence", "wall", "block", "jersey_barrier", "turnstile"})
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(mph|km/h|kmh|t|m)?\s*$")
_ZONE_SPEEDS = {"urban": 50.0, "rural": 90.0, "trunk": 110.0, "motorway": 130.0}


@dataclass(frozen=True)
class VehicleProfile:
    """How one kind of vehicle uses roads."""

    name: SpeedProfile
    vehicle_tag: str  # the OSM access key of the vehicle: motorcar, hgv or bicycle
    access_hierarchy: tuple[str, ...]  # most specific key first
    speeds_kmh: Mapping[str, float]
    maxspeed_factor: float  # share of a posted limit actually driven (OSRM: 0.8)
    max_speed_kmh: float
    turn_penalty_s: float
    turn_bias: float  # > 1 favours right turns (right-hand traffic)
    u_turn_penalty_s: float
    signal_penalty_s: float
    motorised: bool
    height_m: float = 0.0
    weight_t: float = 0.0
    hourly_factors: tuple[tuple[float, ...], ...] = field(default=DEFAULT_HOURLY_FACTORS)

    def turn_cost_s(self, angle_deg: float) -> float:
        """OSRM's turn penalty curve: near zero straight on, larger for sharp and left turns.

        ``angle_deg`` is the deviation from straight ahead, positive to the right.
        """
        bias = self.turn_bias
        if angle_deg >= 0:
            exponent = -((13 / bias) * angle_deg / 180 - 6.5 * bias)
        else:
            exponent = -((13 * bias) * -angle_deg / 180 - 6.5 / bias)
        return self.turn_penalty_s / (1 + math.exp(exponent))

    def way_speeds(self, tags: Mapping[str, str]) -> tuple[float, float]:
        """Speed forward and backward along the way (km/h); 0 where the vehicle may not go."""
        highway = tags.get("highway", "")
        if tags.get("area") == "yes" or tags.get("impassable") == "yes":
            return 0.0, 0.0
        base = self._base_speed(highway, tags)
        if base <= 0 or not self._allowed(tags):
            return 0.0, 0.0
        forward = backward = base
        if self.motorised:
            posted_fwd = _maxspeed(tags.get("maxspeed:forward") or tags.get("maxspeed"))
            posted_bwd = _maxspeed(tags.get("maxspeed:backward") or tags.get("maxspeed"))
            if posted_fwd:
                forward = posted_fwd * self.maxspeed_factor
            if posted_bwd:
                backward = posted_bwd * self.maxspeed_factor
        cap = min(self.max_speed_kmh, _SURFACE_CAPS.get(tags.get("surface", ""), math.inf))
        if not self.motorised:
            cap = min(cap, max(6.0, _SURFACE_CAPS.get(tags.get("surface", ""), math.inf) / 3))
        forward, backward = min(forward, cap), min(backward, cap)
        oneway = self._oneway(tags)
        if oneway == 1:
            backward = 0.0
        elif oneway == -1:
            forward = 0.0
        return forward, backward

    def _base_speed(self, highway: str, tags: Mapping[str, str]) -> float:
        if not self.motorised:
            if highway in ("footway", "pedestrian") and tags.get("bicycle") not in (
                "yes",
                "designated",
                "permissive",
            ):
                return 0.0
            return self.speeds_kmh.get(highway, 0.0)
        if highway == "service" and tags.get("service") == "emergency_access":
            return 0.0
        return self.speeds_kmh.get(highway, 0.0)

    def restricted(self, tags: Mapping[str, str]) -> bool:
        """True for a road open only to traffic with business on it (destination, delivery)."""
        for key in self.access_hierarchy:
            value = tags.get(key)
            if value is not None:
                return value in RESTRICTED_ACCESS
        return False

    def _allowed(self, tags: Mapping[str, str]) -> bool:
        for key in self.access_hierarchy:
            value = tags.get(key)
            if value is not None:
                if value in _BLOCKING_ACCESS:
                    return False
                break  # the most specific tag decides; "yes" on hgv overrides access=no
        height = _measure(tags.get("maxheight"))
        if self.height_m and height is not None and height < self.height_m:
            return False
        weight = _measure(tags.get("maxweight"))
        return not (self.weight_t and weight is not None and weight < self.weight_t)

    def _oneway(self, tags: Mapping[str, str]) -> int:
        if not self.motorised:
            if tags.get("oneway:bicycle") == "no":
                return 0
            if any(
                tags.get(key, "").startswith("opposite")
                for key in ("cycleway", "cycleway:left", "cycleway:right")
            ):
                return 0
        value = tags.get("oneway", "")
        if value in ("yes", "true", "1"):
            return 1
        if value in ("-1", "reverse"):
            return -1
        if value == "no":
            return 0
        # Roundabouts and motorways are one-way unless tagged otherwise.
        if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in (
            "motorway",
            "motorway_link",
        ):
            return 1
        return 0

    def node_blocks(self, tags: Mapping[str, str]) -> bool:
        """True where a barrier on the node stops this vehicle (it must turn back)."""
        for key in self.access_hierarchy:
            value = tags.get(key)
            if value is not None:
                return value in _BLOCKING_ACCESS
        barrier = tags.get("barrier")
        if barrier is None:
            return False
        if not self.motorised:
            return barrier in _BIKE_BARRIER_BLOCKS
        if barrier == "height_restrictor" and self.height_m:
            limit = _measure(tags.get("maxheight"))
            return limit is not None and limit < self.height_m
        return barrier not in _CAR_BARRIER_OK and barrier not in _CAR_BARRIER_PENALTY

    def node_delay_s(self, tags: Mapping[str, str]) -> float:
        """Seconds lost passing the node: signals, stop and give-way signs, gates."""
        highway = tags.get("highway")
        if highway == "traffic_signals":
            return self.signal_penalty_s
        if highway == "stop":
            return 2.0
        if highway == "give_way":
            return 1.0
        if self.motorised:
            return _CAR_BARRIER_PENALTY.get(tags.get("barrier", ""), 0.0)
        return 0.0

    def restricted_by(self, applies_to: str, exempt: frozenset[str]) -> bool:
        """Whether a turn restriction for ``applies_to`` ("" = everyone) binds this vehicle."""
        if self.vehicle_tag in exempt or (self.motorised and "motor_vehicle" in exempt):
            return False
        return applies_to in ("", self.vehicle_tag)


def _maxspeed(value: str | None) -> float:
    if not value:
        return 0.0
    match = _NUMBER.match(value)
    if match:
        number = float(match.group(1))
        return number * 1.609344 if match.group(2) == "mph" else number
    zone = value.lower().rpartition(":")[2]
    return _ZONE_SPEEDS.get(zone, 0.0)


def _measure(value: str | None) -> float | None:
    if not value:
        return None
    match = _NUMBER.match(value.replace(",", "."))
    return float(match.group(1)) if match else None


VAN = VehicleProfile(
    name=SpeedProfile.VAN,
    # In OSM terms a delivery van is a "goods" vehicle (light commercial), not a motorcar:
    # the service tunnels and loading streets signed for deliveries are open to it.
    vehicle_tag="goods",
    access_hierarchy=("goods", "motor_vehicle", "vehicle", "access"),
    speeds_kmh=_CAR_SPEEDS,
    maxspeed_factor=0.8,
    max_speed_kmh=130.0,
    turn_penalty_s=7.5,
    turn_bias=1.075,
    u_turn_penalty_s=20.0,
    signal_penalty_s=2.0,
    motorised=True,
    height_m=2.7,
    weight_t=3.5,
)
TRUCK = VehicleProfile(
    name=SpeedProfile.TRUCK,
    vehicle_tag="hgv",
    access_hierarchy=("hgv", "motor_vehicle", "vehicle", "access"),
    speeds_kmh={k: min(v, 80.0) for k, v in _CAR_SPEEDS.items()},
    maxspeed_factor=0.8,
    max_speed_kmh=80.0,
    turn_penalty_s=15.0,  # OSRM's truck profile: a long vehicle turns slowly
    turn_bias=1.075,
    u_turn_penalty_s=30.0,
    signal_penalty_s=2.0,
    motorised=True,
    height_m=3.6,
    weight_t=7.5,
)
CARGO_BIKE = VehicleProfile(
    name=SpeedProfile.CARGO_BIKE,
    vehicle_tag="bicycle",
    access_hierarchy=("bicycle", "vehicle", "access"),
    speeds_kmh=_BIKE_SPEEDS,
    maxspeed_factor=1.0,
    max_speed_kmh=20.0,
    turn_penalty_s=6.0,  # OSRM's bicycle profile
    turn_bias=1.4,
    u_turn_penalty_s=10.0,
    signal_penalty_s=2.0,
    motorised=False,
)

PROFILES: dict[SpeedProfile, VehicleProfile] = {p.name: p for p in (VAN, TRUCK, CARGO_BIKE)}
