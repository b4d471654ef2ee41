"""Big days through decomposition: regional parts solved in parallel, then across borders."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace

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
# The early round: each part gets this long (PyVRP finds a feasible plan of ~1,000 stops in a
# few seconds), the whole round at most EARLY_SHARE of the time; when that leaves a part less
# than MIN_EARLY_S (or than early_s, if smaller), there is no early round.
EARLY_PART_S = 4.0
EARLY_SHARE = 0.15
MIN_EARLY_S = 1.0
# Without an early round: share of the time for the parts alone.
FIRST_ROUND = 0.6
# With one: share of the time left after the early plan for the parts' long round; the rest
# goes to rounds across borders.
PARTS_SHARE = 0.4
# Each round across borders aims at about this long per pair; as many rounds as fit.
BORDER_PAIR_S = 15.0
# Held back for merging and the insertion pass (and process start-up), in seconds.
MARGIN_S = 1.0
# A job (part or pair) given less than this returns its warm start as it is.
MIN_JOB_S = 0.5
# Share of a job's time for inserting the stops its inner optimizer left out, in the worker.
REPAIR_SHARE = 0.1
# At most this many stops left out by the parts get a cheapest-insertion try (O(routes) each),
# for at most this long after each round.
MOST_INSERTIONS = 500
INSERTION_S = 2.0
# Kept back from the rounds for a last insertion pass: the plan's own schedule (breaks placed
# exactly) can often fit stops the inner optimizer's plan left out, or put them on idle vans.
FINAL_INSERTION_SHARE = 0.03
FINAL_INSERTION_S = 10.0


def solve_part(
    factory: Callable[[], RouteOptimizer],
    problem: Problem,
    time_limit_s: float,
    seed: int,
    initial: Plan | None = None,
    deadline: float | None = None,
    running: str | None = None,
) -> Plan:
    """Solve one part in a worker; the optimizer is built there (solver objects don't pickle).

    ``deadline`` (``time.time()``, wall clock) ends the job early if it started late, queued
    behind others: the round then ends on time. With less than ``MIN_JOB_S`` left, a job with
    a warm start returns it unchanged. The last ``REPAIR_SHARE`` of the job's time tries the
    stops the inner optimizer left out (cheapest insertion on the plan's own schedule, which
    places breaks exactly and so often fits stops a solver's read-back had to drop).

    ``running`` names a file that exists while the whole run goes on: once it is gone (the run
    was cancelled) the job stops at the inner optimizer's next progress report with its best
    plan so far, and a job that only starts then stops at the first report. The file's
    directory outlives every job of the run, so a worker that finds no directory is on another
    host: it cannot be told and runs its time out.
    """
    started = time.perf_counter()
    limit = time_limit_s
    if deadline is not None:
        limit = min(limit, deadline - time.time())
    if limit < MIN_JOB_S:
        if initial is not None:
            return initial
        limit = MIN_JOB_S
    inner = factory()
    here = running is not None and os.path.isdir(os.path.dirname(running))
    watch = _until_gone(running) if running is not None and here else None
    plan = inner.optimize(
        problem,
        time_limit_s=limit * (1 - REPAIR_SHARE),
        seed=seed,
        initial=initial,
        progress=watch,
    )
    if running is not None and watch is not None and not os.path.exists(running):
        return plan  # cancelled: no time for the insertion pass
    return _insert_left_out(problem, plan, started + limit)


def _remove_when_done(directory: str, jobs: Sequence[Future[Plan]]) -> None:
    """Remove a run's ``directory`` once ``jobs`` have all ended (at once if they have).

    Removing it earlier would make a job that starts late take itself for one on another host
    (``solve_part``) and run its whole time for a run that is over.
    """
    left = [job for job in jobs if not job.done()]
    if not left:
        shutil.rmtree(directory, ignore_errors=True)
        return
    lock, count = threading.Lock(), [len(left)]

    def ended(_: Future[Plan]) -> None:
        with lock:
            count[0] -= 1
            last = count[0] == 0
        if last:
            shutil.rmtree(directory, ignore_errors=True)

    for job in left:
        job.add_done_callback(ended)


def _until_gone(path: str) -> ProgressCallback:
    """A progress callback that cancels once ``path`` no longer exists."""

    def watch(_: Progress) -> None:
        if not os.path.exists(path):
            raise Cancelled(path)

    return watch


@dataclass(frozen=True)
class _Run:
    """One ``optimize`` call's fixed inputs."""

    problem: Problem
    started: float
    deadline: float
    seed: int
    progress: ProgressCallback | None
    reserve_s: float = 0.0  # kept back from the rounds for the last insertion pass
    running: str | None = None  # exists while the run goes on (``solve_part``)
    # Jobs still running when the run was cancelled: its directory stays until they end.
    stragglers: list[Future[Plan]] = field(default_factory=list)


@dataclass
class _State:
    """The best merged plan so far and what happened on the way (for the plan's notes)."""

    plan: Plan
    cancelled: bool = False
    early_s: float | None = None  # when the first whole plan was reported
    early_out: int = 0  # and how many stops it left out
    border_rounds: int = 0


class DecomposingOptimizer:
    """``RouteOptimizer`` for big days: split (``decomposition``), solve parts, merge, improve.

    Parts run through ``executor`` (a process pool, or Dask's executor on a cluster), ``parallel``
    at a time (default: the executor's worker count when it tells, else all at once).

    1. An early round gives every part ``early_s`` seconds (at most ``EARLY_SHARE`` of the
       time in all) and merges the parts' plans. This first whole plan is reported through
       ``progress`` at once, long before the end: on a 10,000-stop day after about 20 s instead
       of after the parts' whole share of the time. Then the stops a part left out are tried
       in every route (cheapest insertion, for at most ``INSERTION_S``; after every round).
    2. The parts' long round re-solves every part, warm-started from its share of the plan,
       for ``PARTS_SHARE`` of the time left.
    3. Rounds across borders fill the rest: disjoint pairs of neighbouring parts are re-solved
       together, warm-started, about ``border_s`` seconds a pair; the pairing alternates
       (parts 0+1, 2+3, ... then 1+2, 3+4, ..., and the last with the first, since sweep
       sectors go round the depot), so every border is worked.
    4. A last insertion pass, in ``FINAL_INSERTION_SHARE`` of the time (at most
       ``FINAL_INSERTION_S``) kept back from the rounds, tries the stops still left out.

    Every job (``solve_part``) ends with an insertion pass over its own left-out stops, in the
    worker. In rounds 2 and 3 a job's plan replaces its share only if it leaves out fewer
    required stops or costs less. Small time limits skip the early round (the parts get
    ``FIRST_ROUND`` of the time, as one round). A callback raising ``Cancelled`` ends the run
    at once with the best merged plan so far.
    """

    def __init__(
        self,
        inner_factory: Callable[[], RouteOptimizer],
        executor: Executor,
        *,
        threshold: int = THRESHOLD,
        stops_per_part: int = STOPS_PER_PART,
        parallel: int | None = None,
        early_s: float = EARLY_PART_S,
        border_s: float = BORDER_PAIR_S,
    ) -> None:
        self._factory, self._executor = inner_factory, executor
        self._threshold, self._stops_per_part = threshold, stops_per_part
        self._early_s, self._border_s = early_s, border_s
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
        scratch = tempfile.mkdtemp(prefix="doorstep-run-")
        running = os.path.join(scratch, "running")
        with open(running, "w"):
            pass  # removed on cancelling: the workers' jobs stop
        run = _Run(problem, started, started + time_limit_s, seed, progress, 0.0, running)
        try:
            return self._optimize(run, time_limit_s, initial)
        finally:
            _remove_when_done(scratch, run.stragglers)

    def _optimize(self, given: _Run, time_limit_s: float, initial: Plan | None) -> Plan:
        problem, started = given.problem, given.started
        budget = time_limit_s - MARGIN_S
        reserve = min(FINAL_INSERTION_S, FINAL_INSERTION_SHARE * budget)
        deadline = started + budget
        run = replace(given, deadline=deadline, reserve_s=reserve)
        parts = split(problem, stops_per_part=self._stops_per_part)
        early = min(self._early_s, EARLY_SHARE * budget / self._waves(len(parts)))
        enough = early >= min(self._early_s, MIN_EARLY_S)
        first_round = early * self._waves(len(parts)) if enough else None
        time_s = first_round if first_round is not None else FIRST_ROUND * budget
        plan, cancelled = self._round(run, [(p, initial) for p in parts], time_s, None, 0)
        state = _State(plan, cancelled)
        self._settle(run, state, first=True)
        if first_round is not None and not state.cancelled and self._left(run) >= 1.0:
            groups = regroup(state.plan, parts)
            jobs = [(g, restrict(problem, state.plan, g)) for g in groups]
            long_s = PARTS_SHARE * self._left(run)
            state.plan, state.cancelled = self._round(run, jobs, long_s, state.plan, 1)
            self._settle(run, state)
        if len(parts) > 1:
            self._across_borders(run, parts, state)
        self._settle(run, state, until=run.deadline)
        plan = state.plan
        notes = (*plan.notes, _summary(len(parts), state))
        solver = f"decomposed({getattr(self._factory, '__name__', 'inner')})"
        runtime = time.perf_counter() - started
        return replace(plan, notes=notes, solver=solver, runtime_s=runtime)

    def _waves(self, jobs: int) -> int:
        return math.ceil(jobs / (self._parallel or jobs or 1))

    @staticmethod
    def _left(run: _Run) -> float:
        return run.deadline - time.perf_counter()

    def _across_borders(self, run: _Run, parts: Sequence[Part], state: _State) -> None:
        """Rounds of disjoint neighbouring pairs, the pairing alternating, until the deadline.

        The number of rounds is fixed up front from the time left (about ``border_s`` a pair),
        so an inner optimizer that returns early does not spin; each round gets an equal share
        of what is left when it starts.
        """
        if state.cancelled or self._left(run) - run.reserve_s < 1.0:
            return
        pairs = max(len(_pairs(parts, 0)), len(_pairs(parts, 1)))
        rest = self._left(run) - run.reserve_s
        rounds = max(1, int(rest // (self._waves(pairs) * self._border_s)))
        for done in range(rounds):
            rest = self._left(run) - run.reserve_s
            if state.cancelled or rest < 1.0:  # under a second would overrun
                return
            groups = regroup(state.plan, parts)
            jobs = [(p, restrict(run.problem, state.plan, p)) for p in _pairs(groups, done % 2)]
            round_s = rest / (rounds - done)
            state.plan, state.cancelled = self._round(run, jobs, round_s, state.plan, done + 2)
            state.border_rounds += 1
            self._settle(run, state)

    def _settle(
        self, run: _Run, state: _State, *, first: bool = False, until: float | None = None
    ) -> None:
        """Report the first whole plan at once; insert left-out stops where they fit, report.

        The insertion pass runs in this process while the workers wait, so between rounds it
        gets at most ``INSERTION_S`` (the next round serves what it leaves out anyway); the
        last one runs ``until`` the deadline, in the time kept back for it.
        """
        if state.cancelled:
            return
        if first:
            state.cancelled = _tell(run, state.plan)
            state.early_s = time.perf_counter() - run.started
            state.early_out = len(state.plan.unassigned)
            if state.cancelled:
                return
        if until is None:
            until = min(run.deadline, time.perf_counter() + INSERTION_S)
        state.plan = _insert_left_out(run.problem, state.plan, until)
        state.cancelled = _tell(run, state.plan)

    def _round(
        self,
        run: _Run,
        jobs: Sequence[tuple[Part, Plan | None]],
        time_s: float,
        merge_from: Plan | None,
        number: int,
    ) -> tuple[Plan, bool]:
        """Solve ``jobs`` in parallel waves within ``time_s``; the merged plan and if cancelled.

        With ``merge_from`` a job's plan replaces that plan's share where it is better; without,
        the jobs' plans make the whole plan (a part not finished leaves its stops out). Jobs
        queued behind others get what is left of the round (``solve_part``'s deadline), so
        the round ends on time even when starting workers took a while.
        """
        problem = run.problem
        each = max(MIN_JOB_S, time_s / max(1, self._waves(len(jobs))))
        ends = time.time() + max(time_s, each)
        pending: dict[Future[Plan], int] = {}
        for k, (part, warm) in enumerate(jobs):
            sub = subproblem(problem, part)
            seed = run.seed + 1000 * number + part.index
            future = self._executor.submit(
                solve_part, self._factory, sub, each, seed, warm, ends, run.running
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
            if not future.cancel():  # started: it sees ``run.running`` go
                run.stragglers.append(future)
        if cancelled and run.running is not None and os.path.exists(run.running):
            os.remove(run.running)
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
        if merge_from is None:
            finished = [p for p in plans if p is not None]
            cost = sum(p.cost for p in finished)
            feasible = len(finished) == len(plans) and not any(
                _required_out(run.problem, p) for p in finished
            )
        else:
            parts = [part for part, _ in jobs]
            best = _better(run.problem, merge_from, parts, plans)
            cost, feasible = best.cost, not _required_out(run.problem, best)
            finished = [best]
        # The parts' own routes and stops left out: the whole day's once every part reported.
        routes = sum(r.cost for p in finished for r in p.routes)
        out = sum(len(p.unassigned) for p in finished)
        try:
            run.progress(
                Progress(
                    time.perf_counter() - run.started, cost, feasible,
                    route_cost=routes, left_out=out,
                )
            )  # fmt: skip
        except Cancelled:
            return True
        return False


def _pairs(parts: Sequence[Part], offset: int) -> list[Part]:
    """Disjoint pairs of neighbouring parts from ``offset``: 0+1, 2+3, ... or 1+2, 3+4, ....

    Sweep sectors go round the depot, so with an even number of at least four parts the
    second pairing also joins the last with the first and every border is in one pairing.
    Two parts make one pair either way.
    """
    count = len(parts)
    if count < 2:
        return []
    if count == 2:
        return [join(0, parts)]
    found = [join(n, parts[k : k + 2]) for n, k in enumerate(range(offset, count - 1, 2))]
    if offset == 1 and count % 2 == 0:
        found.append(join(len(found), [parts[-1], parts[0]]))
    return found


def _summary(parts: int, state: _State) -> str:
    early = ""
    if state.early_s is not None:
        early = f", first whole plan at {state.early_s:.1f} s ({state.early_out} stops left out)"
    rounds = state.border_rounds
    border = f", {rounds} round{'s' if rounds != 1 else ''} across borders" if rounds else ""
    return f"{parts} parts{early}{border}"


def _tell(run: _Run, plan: Plan) -> bool:
    """Report the whole merged plan; True if the callback cancelled."""
    if run.progress is None:
        return False
    feasible = not _required_out(run.problem, plan)
    routes = sum(r.cost for r in plan.routes)
    try:
        run.progress(
            Progress(
                time.perf_counter() - run.started, plan.cost, feasible,
                route_cost=routes, left_out=len(plan.unassigned),
            )
        )  # fmt: skip
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


def _insert_left_out(problem: Problem, plan: Plan, deadline: float) -> Plan:
    """Stops a part could not serve, tried in every route (its own fleet was short).

    Required stops first; an optional one stays in only if that lowers the cost (its penalty
    outweighs the detour). At most ``MOST_INSERTIONS`` tries, none after ``deadline``.
    """
    out = sorted(
        (u.stop_id for u in plan.unassigned),
        key=lambda i: (not problem.stop(i).required, -problem.stop(i).penalty),
    )
    for stop_id in out[:MOST_INSERTIONS]:
        if time.perf_counter() >= deadline:
            break
        tried = cheapest_insertion(problem, plan, stop_id)
        if problem.stop(stop_id).required or tried.cost < plan.cost:
            plan = tried
    return plan
