"""The planning problem: depots, vehicles and stops over travel matrices, solver-agnostic.

Everything is integer and relative: times are seconds from the problem's ``epoch`` (the start
of the planning day in the station's time zone), distances are metres, loads are integers in
the units named by ``Problem.dimensions`` (grams, millilitres, parcels). Locations are indices
into the matrices of each travel profile, so a solver never sees coordinates it could misuse as
straight lines. Adapters translate this to a solver's own model and back (``plan.Plan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

import numpy as np

from doorstep.planning.travel import IntMatrix

# A horizon end for "no limit": one week in seconds fits comfortably in int32 arithmetic.
OPEN_END_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Window:
    """When service may *start*: ``start_s <= start of service <= end_s`` (waiting allowed)."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            raise ValueError(f"window ends ({self.end_s}) before it starts ({self.start_s})")

    def contains(self, t_s: int) -> bool:
        return self.start_s <= t_s <= self.end_s


@dataclass(frozen=True)
class Break:
    """A driver's break: ``duration_s`` long, starting within ``window`` (where the van is).

    The break is owed only by a route whose working time (leaving to returning, the break
    excluded) exceeds ``after_work_s``, as the EU working-time directive (Art. 4) owes one
    past six hours of work. With 0 every route with visits owes it. A route that does not owe
    the break may still take it. Taking it only makes a route longer, so a route is timed
    without the break first and gets it only if that is too long (``schedule.placed``).
    """

    window: Window
    duration_s: int
    after_work_s: int = 0

    def owed(self, working_s: int) -> bool:
        """Whether a route working ``working_s`` (without the break) must take the break."""
        return self.after_work_s == 0 or working_s > self.after_work_s


@dataclass(frozen=True)
class Depot:
    id: str
    location: int
    window: Window = Window(0, OPEN_END_S)  # opening hours: vehicles leave and return inside


@dataclass(frozen=True)
class Vehicle:
    """One vehicle (with its driver) available for the day.

    ``start_depot``/``end_depot`` index ``Problem.depots``. ``shift`` bounds leaving the start
    depot and returning to the end depot. ``profile`` names
    the travel matrices it drives on (``Problem.matrices``). Costs are integers per metre and
    per second so that the objective is exact; ``fixed_cost`` is paid once if the vehicle is used.
    """

    id: str
    capacity: tuple[int, ...]
    start_depot: int = 0
    end_depot: int = 0
    shift: Window = Window(0, OPEN_END_S)
    max_duration_s: int | None = None
    profile: str = "van"
    skills: frozenset[str] = frozenset()
    fixed_cost: int = 0
    cost_per_m: int = 1
    cost_per_s: int = 0
    break_: Break | None = None
    driver_id: str | None = None


@dataclass(frozen=True)
class Stop:
    """One place to serve: a delivery (``delivery`` loads) or a return pickup (``pickup``).

    ``windows`` are alternatives (serve in any one of them; empty means any time in the shift).
    A stop that is not ``required`` may be left out at the cost of ``penalty``: higher priority
    orders carry higher penalties, so they are kept when capacity runs short.
    """

    id: str
    location: int
    service_s: int = 0
    windows: tuple[Window, ...] = ()
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    skills: frozenset[str] = frozenset()
    required: bool = True
    penalty: int = 0


@dataclass(frozen=True)
class Travel:
    """Travel over one profile's roads: durations (s) and distances (m), location by location."""

    durations_s: IntMatrix
    distances_m: IntMatrix

    def __post_init__(self) -> None:
        if self.durations_s.shape != self.distances_m.shape:
            raise ValueError("durations and distances must have the same shape")


@dataclass(frozen=True)
class Problem:
    """A whole planning day. ``coordinates`` (lat, lon per location) serve decomposition only."""

    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    matrices: Mapping[str, Travel]
    dimensions: tuple[str, ...] = ("weight_g", "volume_ml", "parcels")
    coordinates: tuple[tuple[float, float], ...] = ()
    epoch: datetime | None = None
    locked: tuple[LockedRoute, ...] = field(default=())

    @property
    def num_locations(self) -> int:
        return int(next(iter(self.matrices.values())).durations_s.shape[0])

    def travel(self, vehicle: Vehicle) -> Travel:
        return self.matrices[vehicle.profile]

    def stop(self, stop_id: str) -> Stop:
        return self.stops_by_id[stop_id]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        return self.vehicles_by_id[vehicle_id]

    # cached_property writes the instance __dict__ directly, so it works on a frozen dataclass.
    @cached_property
    def stops_by_id(self) -> dict[str, Stop]:
        return {s.id: s for s in self.stops}

    @cached_property
    def vehicles_by_id(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.vehicles}


@dataclass(frozen=True)
class LockedRoute:
    """Stops a vehicle must keep, in this order (completed, loaded or locked by a dispatcher).

    The solver may add stops after ``stop_ids`` but never removes or reorders them; with
    ``closed`` the route takes no new stops at all.
    """

    vehicle_id: str
    stop_ids: tuple[str, ...]
    closed: bool = False


def local_time(epoch: datetime, seconds: int) -> datetime:
    """The instant ``seconds`` of elapsed time after ``epoch``, in the epoch's time zone.

    Counted in UTC: aware arithmetic within one zone adds wall-clock time, an hour off on the
    days the clocks change.
    """
    return (epoch.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(epoch.tzinfo)


def seconds_after(epoch: datetime, instant: datetime) -> int:
    """Elapsed seconds from ``epoch`` to ``instant`` (the inverse of ``local_time``)."""
    return int((instant.astimezone(UTC) - epoch.astimezone(UTC)).total_seconds())


def square(values: list[list[int]]) -> IntMatrix:
    """A matrix from nested lists (tests and instance readers)."""
    return np.asarray(values, dtype=np.int32)
