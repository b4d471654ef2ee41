"""PyVRP behind the ``RouteOptimizer`` protocol: translate, solve on wall time, read back."""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning

from doorstep.adapters.solvers.pyvrp_model import Translation, translate
from doorstep.adapters.solvers.pyvrp_plan import to_plan, warm_start
from doorstep.adapters.solvers.pyvrp_shortfall import relax, unservable
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem

# PyVRP hands stopping criteria this cost while its best solution is infeasible.
INFEASIBLE = int(np.iinfo(np.int64).max)
# Iterations between progress reports while the best solution does not change.
REPORT_EVERY = 500
# Share of the time limit after which a search that found nothing feasible turns soft.
GIVE_UP = 1 / 3


class _Watch:
    """PyVRP's stopping criterion: the wall-time deadline, progress reports and cancelling.

    PyVRP calls it once per iteration with the best cost, so it sees every new best. A
    ``Cancelled`` from the callback stops the search; PyVRP then returns its best as usual.
    ``pyvrp.stop.MaxRuntime`` would start its clock at the first call, after PyVRP built its
    neighbourhoods and first solution; the deadline here counts from the start of ``optimize``.
    """

    def __init__(self, started: float, limit_s: float, progress: ProgressCallback | None):
        self._started, self._progress = started, progress
        self._deadline = started + max(0.0, limit_s)
        self._give_up: float | None = started + GIVE_UP * max(0.0, limit_s)
        self._best = INFEASIBLE + 1  # above anything PyVRP reports: the first call reports
        self.iterations, self.cancelled = 0, False

    def __call__(self, best_cost: int) -> bool:
        improved, self._best = best_cost < self._best, min(self._best, best_cost)
        if self._progress is not None and (improved or self.iterations % REPORT_EVERY == 0):
            try:
                self._progress(self._report(best_cost))
            except Cancelled:
                self.cancelled = True
                return True
        self.iterations += 1
        now = time.perf_counter()
        stuck = self._give_up is not None and now >= self._give_up and best_cost >= INFEASIBLE
        return now >= self._deadline or stuck

    def soften(self) -> None:
        """From now on run to the deadline: the soft model always has feasible solutions."""
        self._give_up, self._best = None, INFEASIBLE + 1

    def _report(self, best_cost: int) -> Progress:
        feasible = best_cost < INFEASIBLE
        elapsed = time.perf_counter() - self._started
        return Progress(elapsed, best_cost if feasible else None, feasible, self.iterations)


class PyVRPOptimizer:
    """Plans with PyVRP's iterated local search (``RouteOptimizer``)."""

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        """Solve within ``time_limit_s`` of wall time; see ``RouteOptimizer.optimize``."""
        started = time.perf_counter()
        translation = translate(problem)
        if hopeless := unservable(translation):
            # Left in, one hopeless required stop would keep every solution infeasible.
            translation = translate(problem, exclude=hopeless)
        watch = _Watch(started, time_limit_s, progress)
        plans = _plans(translation, watch, seed, initial)
        plan = min(plans, key=lambda p: (_required_left_out(problem, p), p.cost))
        return replace(plan, runtime_s=time.perf_counter() - started)


def _plans(translation: Translation, watch: _Watch, seed: int, initial: Plan | None) -> list[Plan]:
    """PyVRP's plan; if it found nothing feasible in time, also the soft model's plan.

    An infeasible best is repaired in ``to_plan`` (stops taken off broken routes); that plan
    also seeds the soft model, which then looks for a plan that serves more.
    """
    data = translation.data
    if data is None or data.num_clients == 0:
        return [to_plan(translation, None)]
    start = warm_start(translation, initial) if initial is not None else None
    best = _search(data, watch, seed, start, pyvrp.PenaltyParams())
    plans = [to_plan(translation, best)]
    if best.is_feasible() or watch.cancelled:
        return plans
    soft, penalties = relax(translation)
    watch.soften()
    again = _search(soft.solver_data, watch, seed, warm_start(soft, plans[0]), penalties)
    return [*plans, to_plan(soft, again)]


def _search(
    data: pyvrp.ProblemData,
    watch: _Watch,
    seed: int,
    start: pyvrp.Solution | None,
    penalties: pyvrp.PenaltyParams,
) -> pyvrp.Solution:
    params = pyvrp.SolveParams(penalty=penalties)
    with warnings.catch_warnings():
        # PyVRP warns when its penalties max out on a day it cannot serve completely; that
        # case is expected here and handled (the repair in to_plan, then the soft model).
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data, stop=watch, seed=seed, collect_stats=False, params=params, initial_solution=start
        )
    return result.best


def _required_left_out(problem: Problem, plan: Plan) -> int:
    return sum(1 for entry in plan.unassigned if problem.stop(entry.stop_id).required)
