"""A plan: per vehicle the ordered stops with their schedule and load, and who was left out.

Times are seconds from the problem's epoch, like ``problem.Problem``. A plan is a value: the
validator (``planning.validation``) checks it against its problem without trusting the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Binding(StrEnum):
    """What stops a route from taking more work: the constraint it runs closest to."""

    CAPACITY = "capacity"
    SHIFT = "shift"
    WINDOWS = "windows"
    NONE = "none"


class ReasonCode(StrEnum):
    """Why an order was left out, in the order the explainer tests them."""

    NO_SKILL = "no_skill"  # no vehicle has every skill the stop needs
    TOO_BIG = "too_big"  # the stop alone exceeds every able vehicle's capacity
    WINDOW_UNREACHABLE = "window_unreachable"  # no able vehicle can reach it in a window and return
    SHIFTS_FULL = "shifts_full"  # it fits alone, but not into any route of this plan
    CAPACITY_FULL = "capacity_full"  # it fits alone, but every able route is loaded too full
    OPTIONAL_DROPPED = "optional_dropped"  # optional, and serving it costs more than its penalty


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str  # for a dispatcher: names the constraint and the numbers behind it


@dataclass(frozen=True)
class Visit:
    """One stop on a route: arrive, maybe wait, serve from ``start_s`` to ``departure_s``."""

    stop_id: str
    arrival_s: int
    start_s: int
    departure_s: int
    load_after: tuple[int, ...]  # what the vehicle carries when it leaves, per dimension
    distance_from_previous_m: int = 0

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s


@dataclass(frozen=True)
class Route:
    """One vehicle's day. ``start_s``/``end_s`` are leaving and returning to the depots.

    ``cost = fixed_cost + cost_per_m * distance_m + cost_per_s * (end_s - start_s)`` of its
    vehicle, and ``load_at_start`` is the full per-dimension load when it leaves (the sum of
    its deliveries); the validator holds every route to both.
    """

    vehicle_id: str
    visits: tuple[Visit, ...]
    start_s: int
    end_s: int
    distance_m: int
    cost: int
    load_at_start: tuple[int, ...] = ()
    break_start_s: int | None = None
    break_after: int | None = None  # index of the visit the break follows; -1 before the first
    binding: Binding = Binding.NONE

    @property
    def duration_s(self) -> int:
        return self.end_s - self.start_s

    @property
    def stop_ids(self) -> tuple[str, ...]:
        return tuple(v.stop_id for v in self.visits)


@dataclass(frozen=True)
class Unassigned:
    stop_id: str
    reason: Reason | None = None


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    cost: int = 0  # routes' costs plus the penalties of optional stops left out
    solver: str = ""
    runtime_s: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    def route_of(self, stop_id: str) -> Route | None:
        return next((r for r in self.routes if stop_id in r.stop_ids), None)
