"""Planning problems for tests: small ones by hand and random ones (seeded) for hypothesis."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from doorstep.planning.problem import (
    Break,
    Depot,
    LockedRoute,
    Problem,
    Stop,
    Travel,
    Vehicle,
    Window,
    square,
)

HOUR = 3600
DAY = Window(8 * HOUR, 18 * HOUR)  # the usual shift: 08:00-18:00 after the epoch


def line_travel(positions_m: list[int], speed_mps: int = 10) -> Travel:
    """Places on a straight road: distance |a - b| metres, driven at ``speed_mps``."""
    metres = [[abs(a - b) for b in positions_m] for a in positions_m]
    seconds = [[m // speed_mps for m in row] for row in metres]
    return Travel(square(seconds), square(metres))


def line_problem(*stops: Stop, vehicles: tuple[Vehicle, ...] = (), **changes: object) -> Problem:
    """A depot at 0 m and stops at location k = k x 1 km (10 s per 100 m), one 3-D van.

    Stop locations index the road: location 0 is the depot, location k lies k km away.
    """
    most = max((s.location for s in stops), default=0)
    travel = line_travel([1000 * k for k in range(most + 1)])
    fleet = vehicles or (Vehicle("v1", capacity=(100, 100, 10), shift=DAY),)
    problem = Problem((Depot("d1", 0),), fleet, stops, {"van": travel})
    return replace(problem, **changes)  # type: ignore[arg-type]


def stop(stop_id: str, location: int, **fields: object) -> Stop:
    """A stop with a 60 s service and one parcel unless ``fields`` say otherwise."""
    values: dict[str, object] = {"service_s": 60, "delivery": (1, 1, 1)} | fields
    return Stop(stop_id, location, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Shape:
    """What a random problem may contain (hypothesis draws these; a seed draws the numbers)."""

    stops: int
    vehicles: int
    depots: int = 1
    windows: bool = True
    breaks: bool = False
    skills: bool = False
    pickups: bool = False
    max_duration: bool = False
    optional: bool = False
    profiles: bool = False


def _travel(points: list[tuple[int, int]], rng: random.Random, speed: float) -> Travel:
    """Euclidean metres x 1.3 with a little asymmetry, driven at ``speed`` m/s."""
    size = len(points)
    metres = np.zeros((size, size), dtype=np.int32)
    for i, (xa, ya) in enumerate(points):
        for j, (xb, yb) in enumerate(points):
            if i != j:
                metres[i, j] = int(math.hypot(xa - xb, ya - yb) * 1.3) + rng.randint(0, 200)
    return Travel((metres / speed).astype(np.int32), metres)


def random_problem(seed: int, shape: Shape) -> Problem:
    """A random day on a 10 km square, drawn from ``seed`` as ``shape`` allows."""
    rng = random.Random(seed)
    points = [(rng.randint(0, 10_000), rng.randint(0, 10_000)) for _ in range(shape.depots)]
    points += [(rng.randint(0, 10_000), rng.randint(0, 10_000)) for _ in range(shape.stops)]
    depots = tuple(
        Depot(f"d{i}", i, Window(7 * HOUR, rng.choice([19, 20, 24]) * HOUR))
        for i in range(shape.depots)
    )
    stops = tuple(_random_stop(rng, shape, k, shape.depots + k) for k in range(shape.stops))
    vehicles = tuple(_random_vehicle(rng, shape, k) for k in range(shape.vehicles))
    matrices = {"van": _travel(points, rng, 9.0)}
    if shape.profiles:
        matrices["bike"] = _travel(points, rng, 4.5)
    return Problem(depots, vehicles, stops, matrices)


def _random_stop(rng: random.Random, shape: Shape, k: int, location: int) -> Stop:
    windows: tuple[Window, ...] = ()
    if shape.windows and rng.random() < 0.7:
        starts = sorted(rng.sample(range(8, 17), rng.choice([1, 1, 2])))
        windows = tuple(Window(h * HOUR, h * HOUR + rng.choice([1, 2, 3]) * HOUR) for h in starts)
    pickup = (rng.randint(0, 5), 0, rng.randint(0, 1)) if shape.pickups else ()
    optional = shape.optional and rng.random() < 0.4
    return Stop(
        f"s{k}",
        location,
        service_s=rng.choice([60, 120, 300]),
        windows=windows,
        delivery=(rng.randint(0, 30), rng.randint(0, 20), rng.randint(0, 3)),
        pickup=pickup,
        skills=frozenset({"fridge"}) if shape.skills and rng.random() < 0.3 else frozenset(),
        required=not optional,
        penalty=rng.randint(0, 20_000) if optional else 0,
    )


def _random_vehicle(rng: random.Random, shape: Shape, k: int) -> Vehicle:
    start = rng.choice([7, 8, 9]) * HOUR
    brk = None
    if shape.breaks and rng.random() < 0.6:
        # Owed on every route (0), or only past 1 or 3 hours of work: short routes go without.
        after = rng.choice([0, 1 * HOUR, 3 * HOUR])
        window = Window(11 * HOUR, rng.choice([12, 14]) * HOUR)
        brk = Break(window, rng.choice([900, 1800]), after_work_s=after)
    return Vehicle(
        f"v{k}",
        capacity=(rng.randint(40, 150), rng.randint(30, 100), rng.randint(3, 15)),
        start_depot=rng.randrange(shape.depots),
        end_depot=rng.randrange(shape.depots),
        shift=Window(start, start + rng.choice([6, 8, 10]) * HOUR),
        max_duration_s=rng.choice([None, 5 * HOUR]) if shape.max_duration else None,
        profile=rng.choice(["van", "bike"]) if shape.profiles else "van",
        skills=frozenset({"fridge"}) if shape.skills and rng.random() < 0.5 else frozenset(),
        fixed_cost=rng.choice([0, 5000]),
        cost_per_m=1,
        cost_per_s=rng.choice([0, 1]),
        break_=brk,
    )


@st.composite
def shapes(draw: st.DrawFn, most_stops: int = 14) -> Shape:
    """Every feature on or off; sizes kept small so a property runs in milliseconds."""
    flag = st.booleans()
    return Shape(
        stops=draw(st.integers(1, most_stops)),
        vehicles=draw(st.integers(1, 4)),
        depots=draw(st.integers(1, 2)),
        windows=draw(flag),
        breaks=draw(flag),
        skills=draw(flag),
        pickups=draw(flag),
        max_duration=draw(flag),
        optional=draw(flag),
        profiles=draw(flag),
    )


problems = st.builds(random_problem, st.integers(0, 2**32 - 1), shapes())


def with_locked(problem: Problem, locked: tuple[LockedRoute, ...]) -> Problem:
    return replace(problem, locked=locked)
