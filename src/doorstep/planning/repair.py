"""A last pass over the stops a solver left out: each put back where it fits and pays off.

Solvers work on a model of the day that is a little stricter than its rules (PyVRP plans
every route as if its driver's break were owed), so a stop can be left out that the real
rules would take. Cheapest insertion under the real rules finds those; a stop goes in only
when serving it costs less than its penalty (an optional stop) or always (a required one).
"""

from __future__ import annotations

from doorstep.planning.insertion import cheapest_insertion
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem


def put_back(problem: Problem, plan: Plan) -> Plan:
    """``plan`` with every left-out stop that fits inserted, most valuable first."""
    # Required stops first, then by penalty: when room is short the costliest gaps close first.
    waiting = sorted(
        (problem.stop(u.stop_id) for u in plan.unassigned),
        key=lambda s: (not s.required, -s.penalty, s.id),
    )
    for stop in waiting:
        tried = cheapest_insertion(problem, plan, stop.id)
        placed = all(u.stop_id != stop.id for u in tried.unassigned)
        if placed and (stop.required or tried.cost < plan.cost):
            plan = tried
    return plan
