"""The route optimizer contract: a problem in, a plan out, within a time budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem


@dataclass(frozen=True)
class Progress:
    """A report during solving: the search's best so far.

    ``best_cost`` is the search's own objective (an optimizer's units, penalties of stops left
    out and of broken rules included; None while the search has nothing feasible): it shows the
    search improving, not what the plan costs. ``route_cost`` (cost units, as ``Route.cost``
    counts them: fixed, distance and time costs, no penalties) and ``left_out`` (stops the
    plan would leave out) describe the plan the best solution so far reads back as; both are
    None when an optimizer does not tell. ``feasible``: the best breaks no rule.
    """

    elapsed_s: float
    best_cost: int | None
    feasible: bool
    iterations: int = 0
    route_cost: int | None = None
    left_out: int | None = None


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
