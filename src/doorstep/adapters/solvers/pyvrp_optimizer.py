"""PyVRP behind the ``RouteOptimizer`` protocol: translate, solve on wall time, read back.

Progress reports carry PyVRP's objective (``Progress.best_cost``) and, read back with
``to_plan`` as the final plan is, the best solution's route cost and stops left out. The last
report, sent once the plan is chosen, is that plan's own figures, so it matches the plan exactly.
"""

from __future__ import annotations

import contextlib
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
# Most of the elapsed time that reading best solutions back for progress reports may take.
SUMMARY_SHARE = 0.05


class _Watch(pyvrp.IteratedLocalSearchCallbacks):
    """PyVRP's stopping criterion: the wall-time deadline, progress reports and cancelling.

    PyVRP calls it once per iteration with the best cost, so it sees every new best. A
    ``Cancelled`` from the callback stops the search; PyVRP then returns its best as usual.
    ``pyvrp.stop.MaxRuntime`` would start its clock at the first call, after PyVRP built its
    neighbourhoods and first solution; the deadline here counts from the start of ``optimize``.

    As the search's callbacks it also keeps PyVRP's best solution, which reports read back as
    a plan (``to_plan``) for its route cost and stops left out. That takes time, so it is done
    only while it has taken under ``SUMMARY_SHARE`` of the elapsed time; otherwise a report
    repeats the last figures read (on big days they may lag the newest best a little).
    """

    def __init__(
        self,
        started: float,
        limit_s: float,
        progress: ProgressCallback | None,
        translation: Translation,
    ):
        self._started, self._progress = started, progress
        self._deadline = started + max(0.0, limit_s)
        self._give_up: float | None = started + GIVE_UP * max(0.0, limit_s)
        self._best = INFEASIBLE + 1  # above anything PyVRP reports: the first call reports
        self.iterations, self.cancelled = 0, False
        self._translation = translation
        self._solution: pyvrp.Solution | None = None  # PyVRP's best in the current search
        self._read: pyvrp.Solution | None = None  # the solution the figures below are of
        self._figures: tuple[int | None, int | None] = (None, None)  # route cost, left out
        self._reading_s = 0.0

    def on_start(self, ils: pyvrp.IteratedLocalSearch) -> None:
        self._solution = ils.initial_solution

    def on_best(self, best: pyvrp.Solution) -> None:
        self._solution = best

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

    def soften(self, translation: Translation) -> None:
        """From now on run to the deadline: the soft model always has feasible solutions."""
        self._give_up, self._best = None, INFEASIBLE + 1
        self._translation, self._solution = translation, None

    def finish(self, problem: Problem, plan: Plan) -> None:
        """Report the chosen plan's own figures; a cancel now comes too late to matter."""
        if self._progress is None:
            return
        objective = self._best if self._best < INFEASIBLE else None
        cost = sum(route.cost for route in plan.routes)
        feasible = _required_left_out(problem, plan) == 0
        elapsed = time.perf_counter() - self._started
        report = Progress(elapsed, objective, feasible, self.iterations, cost, len(plan.unassigned))
        with contextlib.suppress(Cancelled):
            self._progress(report)

    def _report(self, best_cost: int) -> Progress:
        feasible = best_cost < INFEASIBLE
        cost, left_out = self._read_back()
        elapsed = time.perf_counter() - self._started
        objective = best_cost if feasible else None
        return Progress(elapsed, objective, feasible, self.iterations, cost, left_out)

    def _read_back(self) -> tuple[int | None, int | None]:
        """The best solution's route cost and stops left out, as ``to_plan`` reads it."""
        solution = self._solution
        if solution is None or solution is self._read:
            return self._figures
        began = time.perf_counter()
        if self._read is not None and self._reading_s > SUMMARY_SHARE * (began - self._started):
            return self._figures
        # Read back as the final plan will be: an infeasible best comes back repaired, so
        # the figures are those of the plan stopping now would store.
        plan = to_plan(self._translation, solution)
        self._read = solution
        self._figures = sum(route.cost for route in plan.routes), len(plan.unassigned)
        self._reading_s += time.perf_counter() - began
        return self._figures


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
        watch = _Watch(started, time_limit_s, progress, translation)
        plans = _plans(translation, watch, seed, initial)
        plan = min(plans, key=lambda p: (_required_left_out(problem, p), p.cost))
        watch.finish(problem, plan)
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
    watch.soften(soft)
    again = _search(soft.solver_data, watch, seed, warm_start(soft, plans[0]), penalties)
    return [*plans, to_plan(soft, again)]


def _search(
    data: pyvrp.ProblemData,
    watch: _Watch,
    seed: int,
    start: pyvrp.Solution | None,
    penalties: pyvrp.PenaltyParams,
) -> pyvrp.Solution:
    ils = pyvrp.IteratedLocalSearchParams(callbacks=watch)
    params = pyvrp.SolveParams(ils=ils, penalty=penalties)
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
