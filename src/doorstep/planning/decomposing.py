"""Big days through decomposition: regional parts solved in parallel, then across borders."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, replace

from doorstep.planning.decomposition import (
    STOPS_PER_PART,
    Part,
    join,
    merge,
    regroup,
    restrict,
    split,
    subproblem,
)
from doorstep.planning.insertion import cheapest_insertion
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback, RouteOptimizer
from doorstep.planning.plan import Plan, Unassigned
from doorstep.planning.problem import Problem
from doorstep.planning.schedule import plan_cost

# Below this many stops the inner optimizer takes the whole day: decomposing costs quality.
THRESHOLD = 2000
# Share of the time for the parts alone; the rest re-solves pairs of neighbouring parts.
FIRST_ROUND = 0.6
# Held back for merging and the insertion pass (and process start-up), in seconds.
MARGIN_S = 1.0
# At most this many stops left out by the parts get a cheapest-insertion try (O(routes) each).
MOST_INSERTIONS = 500


def solve_part(
    factory: Callable[[], RouteOptimizer],
    problem: Problem,
    time_limit_s: float,
    seed: int,
    initial: Plan | None = None,
) -> Plan:
    """Solve one part in a worker; the optimizer is built there (solver objects don't pickle)."""
    return factory().optimize(problem, time_limit_s=time_limit_s, seed=seed, initial=initial)


@dataclass(frozen=True)
class _Run:
    """One ``optimize`` call's fixed inputs."""

    problem: Problem
    started: float
    deadline: float
    seed: int
    progress: ProgressCallback | None


class DecomposingOptimizer:
    """``RouteOptimizer`` for big days: split (``decomposition``), solve parts, merge, improve.

    Parts run through ``executor`` (a process pool, or Dask's executor on a cluster), ``parallel``
    at a time (default: the executor's worker count when it tells, else all at once), each with
    an equal share of the first round's time. The merged plan gets one cheapest-insertion pass
    for stops a part left out, then one improvement round re-solves disjoint pairs of
    neighbouring parts together, warm-started from their routes, for the remaining time; a pair's
    plan replaces its share only if it leaves out fewer required stops or costs less.
    """

    def __init__(
        self,
        inner_factory: Callable[[], RouteOptimizer],
        executor: Executor,
        *,
        threshold: int = THRESHOLD,
        stops_per_part: int = STOPS_PER_PART,
        parallel: int | None = None,
    ) -> None:
        self._factory, self._executor = inner_factory, executor
        self._threshold, self._stops_per_part = threshold, stops_per_part
        # Process and thread pools keep their size in _max_workers; the Dask adapter sets
        # max_workers. Unknown, all parts run at once with the whole first round each.
        found = parallel or getattr(
            executor, "max_workers", getattr(executor, "_max_workers", None)
        )
        self._parallel = found if isinstance(found, int) and found > 0 else None

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        """Plan ``problem`` within ``time_limit_s``; see ``RouteOptimizer.optimize``."""
        started = time.perf_counter()
        if len(problem.stops) <= self._threshold:
            inner = self._factory()
            return inner.optimize(
                problem, time_limit_s=time_limit_s, seed=seed, initial=initial, progress=progress
            )
        run = _Run(problem, started, started + time_limit_s - MARGIN_S, seed, progress)
        parts = split(problem, stops_per_part=self._stops_per_part)
        first = FIRST_ROUND * (time_limit_s - MARGIN_S)
        plan, cancelled = self._round(run, [(p, initial) for p in parts], first, merge_from=None)
        if not cancelled:  # a cancelled run returns at once
            plan = _insert_left_out(problem, plan)
            cancelled = _tell(run, plan)
        rest = run.deadline - time.perf_counter()
        across = not cancelled and len(parts) > 1 and rest >= 1.0  # under a second would overrun
        if across:
            groups = regroup(plan, parts)
            pairs = [join(k, groups[k : k + 2]) for k in range(0, len(groups) - 1, 2)]
            jobs = [(pair, restrict(problem, plan, pair)) for pair in pairs]
            plan, _ = self._round(run, jobs, rest, merge_from=plan)
        border = ", one round across borders" if across else ""
        notes = (*plan.notes, f"{len(parts)} parts{border}")
        solver = f"decomposed({getattr(self._factory, '__name__', 'inner')})"
        runtime = time.perf_counter() - started
        return replace(plan, notes=notes, solver=solver, runtime_s=runtime)

    def _round(
        self,
        run: _Run,
        jobs: Sequence[tuple[Part, Plan | None]],
        time_s: float,
        merge_from: Plan | None,
    ) -> tuple[Plan, bool]:
        """Solve ``jobs`` in parallel waves within ``time_s``; the merged plan and if cancelled.

        With ``merge_from`` a job's plan replaces that plan's share where it is better; without,
        the jobs' plans make the whole plan (a part not finished leaves its stops out).
        """
        problem = run.problem
        waves = math.ceil(len(jobs) / (self._parallel or len(jobs) or 1))
        each = max(0.5, time_s / max(1, waves))
        pending: dict[Future[Plan], int] = {}
        for k, (part, warm) in enumerate(jobs):
            sub = subproblem(problem, part)
            future = self._executor.submit(
                solve_part, self._factory, sub, each, run.seed + part.index, warm
            )
            pending[future] = k
        plans: list[Plan | None] = [None] * len(jobs)
        cancelled = False
        while pending and not cancelled:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                plans[pending.pop(future)] = future.result()
            cancelled = self._report(run, jobs, plans, merge_from)
        for future in pending:
            future.cancel()  # a part already running in a process runs out its own time
        parts = [part for part, _ in jobs]
        if merge_from is None:
            filled = [p or _nothing(problem, part) for p, part in zip(plans, parts, strict=True)]
            return merge(problem, parts, filled), cancelled
        return _better(problem, merge_from, parts, plans), cancelled

    def _report(
        self,
        run: _Run,
        jobs: Sequence[tuple[Part, Plan | None]],
        plans: Sequence[Plan | None],
        merge_from: Plan | None,
    ) -> bool:
        """Tell the callback the sum so far; True if it cancelled."""
        if run.progress is None:
            return False
        finished = [p for p in plans if p is not None]
        cost = sum(p.cost for p in finished)
        if merge_from is not None:
            parts = [part for part, _ in jobs]
            cost = _better(run.problem, merge_from, parts, plans).cost
        feasible = all(not _required_out(run.problem, p) for p in finished)
        if merge_from is None:
            feasible = feasible and len(finished) == len(plans)
        else:
            feasible = not _required_out(run.problem, merge_from) and feasible
        try:
            run.progress(Progress(time.perf_counter() - run.started, cost, feasible))
        except Cancelled:
            return True
        return False


def _tell(run: _Run, plan: Plan) -> bool:
    """Report the whole merged plan; True if the callback cancelled."""
    if run.progress is None:
        return False
    feasible = not _required_out(run.problem, plan)
    try:
        run.progress(Progress(time.perf_counter() - run.started, plan.cost, feasible))
    except Cancelled:
        return True
    return False


def _required_out(problem: Problem, plan: Plan) -> int:
    return sum(1 for u in plan.unassigned if problem.stop(u.stop_id).required)


def _nothing(problem: Problem, part: Part) -> Plan:
    """A part that never finished: all its stops left out."""
    return restrict(problem, Plan((), tuple(Unassigned(i) for i in part.stop_ids)), part)


def _better(
    problem: Problem, base: Plan, parts: Sequence[Part], plans: Sequence[Plan | None]
) -> Plan:
    """``base`` with each part's share replaced by its new plan where that is better."""
    routes, unassigned = list(base.routes), list(base.unassigned)
    for part, plan in zip(parts, plans, strict=True):
        if plan is None:
            continue
        old = restrict(problem, base, part)
        if (_required_out(problem, plan), plan.cost) >= (_required_out(problem, old), old.cost):
            continue
        vehicles, stops = set(part.vehicle_ids), set(part.stop_ids)
        routes = [r for r in routes if r.vehicle_id not in vehicles] + list(plan.routes)
        unassigned = [u for u in unassigned if u.stop_id not in stops] + list(plan.unassigned)
    order = {v.id: n for n, v in enumerate(problem.vehicles)}
    routes.sort(key=lambda r: order[r.vehicle_id])
    cost = plan_cost(problem, routes, unassigned)
    return replace(base, routes=tuple(routes), unassigned=tuple(unassigned), cost=cost)


def _insert_left_out(problem: Problem, plan: Plan) -> Plan:
    """Required stops a part could not serve, tried in every route (its own fleet was short)."""
    out = [u.stop_id for u in plan.unassigned if problem.stop(u.stop_id).required]
    for stop_id in out[:MOST_INSERTIONS]:
        plan = cheapest_insertion(problem, plan, stop_id)
    return plan
