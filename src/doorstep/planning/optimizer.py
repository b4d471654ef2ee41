"""The route optimizer contract: a problem in, a plan out, within a time budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem


@dataclass(frozen=True)
class Progress:
    """A report during solving: best cost so far and whether it is feasible."""

    elapsed_s: float
    best_cost: int | None
    feasible: bool
    iterations: int = 0


class Cancelled(Exception):
    """Raised by a progress callback to stop the solver; the best plan so far is kept."""


ProgressCallback = Callable[[Progress], None]


class RouteOptimizer(Protocol):
    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        """Plan every stop of ``problem`` it can within ``time_limit_s`` of wall time.

        Locked routes (``problem.locked``) come back with their stops first and in order.
        ``initial`` warm-starts from an earlier plan of (mostly) the same stops. Stops left out
        are listed in ``Plan.unassigned``; reasons are added by ``planning.explanation``.
        """
        ...
