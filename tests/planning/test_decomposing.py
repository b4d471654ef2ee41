"""The decomposing optimizer's rounds: an early whole plan, then parts, then across borders."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from doorstep.planning.decomposing import (
    DecomposingOptimizer,
    _pairs,
    _remove_when_done,
    solve_part,
)
from doorstep.planning.decomposition import Part, split, subproblem
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem
from doorstep.planning.validation import validate
from tests.planning.test_decomposition import spread_day


@dataclass(frozen=True)
class Call:
    vehicles: frozenset[str]
    time_limit_s: float
    warm: bool
    at_s: float


@dataclass
class Recorder:
    """A fake inner optimizer: nearest neighbour, optionally sleeping its whole time limit."""

    sleep: bool = False
    calls: list[Call] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def __call__(self) -> Recorder:
        return self  # the factory: threads share the recorder

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        at = time.perf_counter() - self.started
        vehicles = frozenset(v.id for v in problem.vehicles)
        self.calls.append(Call(vehicles, time_limit_s, initial is not None, at))
        if self.sleep:
            time.sleep(time_limit_s)
        return NearestNeighbourOptimizer().optimize(problem, time_limit_s=time_limit_s)


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def test_a_whole_plan_is_reported_early_then_improved(pool: ThreadPoolExecutor) -> None:
    """Parts that use their whole time: the first whole plan comes after the short round."""
    problem = spread_day(240, 16, seed=2)
    inner = Recorder(sleep=True)
    optimizer = DecomposingOptimizer(
        inner, pool, threshold=50, stops_per_part=60, early_s=0.5, border_s=0.5
    )
    reports: list[tuple[float, Progress]] = []

    def watch(report: Progress) -> None:  # timed on the recorder's clock, to order events
        reports.append((time.perf_counter() - inner.started, report))

    plan = optimizer.optimize(problem, time_limit_s=5, seed=1, progress=watch)
    assert validate(problem, plan) == []
    first = next(at for at, r in reports if r.feasible)
    early, later = inner.calls[:4], inner.calls[4:]
    assert all(c.time_limit_s <= 0.5 and not c.warm for c in early)
    assert later
    assert all(c.warm for c in later)
    # No wall-time bound (shared machines): the order of events shows the early plan came
    # from the short round, before any job of the long round started.
    assert first <= min(c.at_s for c in later)
    assert "first whole plan at" in plan.notes[-1]
    assert "rounds across borders" in plan.notes[-1]
    costs = [r.best_cost for _, r in reports if r.feasible and r.best_cost is not None]
    assert costs == sorted(costs, reverse=True)  # never worse than the early plan
    # The last report is the returned plan's own: its routes' cost and the stops it leaves.
    last = reports[-1][1]
    assert last.route_cost == sum(r.cost for r in plan.routes)
    assert last.left_out == len(plan.unassigned)


def test_border_rounds_alternate_so_every_border_is_worked(pool: ThreadPoolExecutor) -> None:
    """With time for several rounds, pairs 0+1, 2+3 and then 1+2, 3+0 are both re-solved."""
    problem = spread_day(240, 16, seed=3)
    inner = Recorder()
    optimizer = DecomposingOptimizer(
        inner, pool, threshold=50, stops_per_part=60, early_s=1.0, border_s=2.0
    )
    plan = optimizer.optimize(problem, time_limit_s=30, seed=1)
    assert validate(problem, plan) == []
    parts = [frozenset(p.vehicle_ids) for p in split(problem, stops_per_part=60)]
    assert len(parts) == 4
    jobs = {c.vehicles for c in inner.calls}
    for a, b in ((0, 1), (2, 3), (1, 2), (3, 0)):
        assert parts[a] | parts[b] in jobs
    rounds = int(plan.notes[-1].split(", ")[-1].split()[0])
    assert rounds > 2  # fixed up front from the time: a fast inner optimizer does not spin


def test_cancelling_at_the_early_plan_returns_it_at_once(pool: ThreadPoolExecutor) -> None:
    problem = spread_day(240, 16, seed=4)
    inner = Recorder(sleep=True)
    optimizer = DecomposingOptimizer(inner, pool, threshold=50, stops_per_part=60, early_s=0.5)

    def cancel(report: Progress) -> None:
        if report.feasible:
            raise Cancelled

    plan = optimizer.optimize(problem, time_limit_s=20, progress=cancel)
    assert len(inner.calls) == 4, "only the early round's four parts ever ran"
    assert validate(problem, plan) == []
    assert sum(len(r.visits) for r in plan.routes) > 200


def test_small_time_limits_skip_the_early_round(pool: ThreadPoolExecutor) -> None:
    problem = spread_day(240, 16, seed=5)
    inner = Recorder()
    optimizer = DecomposingOptimizer(inner, pool, threshold=50, stops_per_part=60)
    plan = optimizer.optimize(problem, time_limit_s=3)
    assert validate(problem, plan) == []
    assert "first whole plan" in plan.notes[-1]
    assert not any(c.warm for c in inner.calls[:4])
    assert inner.calls[0].time_limit_s > 1.0  # the parts' round: 60 % of the time


def test_pairs_alternate_and_wrap_round_the_depot() -> None:
    parts = [Part(k, (f"s{k}",), (f"v{k}",)) for k in range(5)]
    vehicles = lambda pairs: [p.vehicle_ids for p in pairs]  # noqa: E731
    assert vehicles(_pairs(parts, 0)) == [("v0", "v1"), ("v2", "v3")]
    assert vehicles(_pairs(parts, 1)) == [("v1", "v2"), ("v3", "v4")]
    assert vehicles(_pairs(parts[:4], 1)) == [("v1", "v2"), ("v3", "v0")]
    assert vehicles(_pairs(parts[:2], 1)) == [("v0", "v1")]
    assert _pairs(parts[:1], 0) == []


class OneVan:
    """A fake inner optimizer that plans with the part's first vehicle only."""

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        alone = replace(problem, vehicles=problem.vehicles[:1])
        return NearestNeighbourOptimizer().optimize(alone, time_limit_s=time_limit_s)


def test_stops_the_parts_leave_out_are_inserted(pool: ThreadPoolExecutor) -> None:
    """Left-out stops go where they fit, on used routes or idle vans, and the plan validates."""
    problem = spread_day(240, 16, seed=6)
    parts = split(problem, stops_per_part=60)
    alone = OneVan()
    left = sum(
        len(alone.optimize(subproblem(problem, p), time_limit_s=1).unassigned) for p in parts
    )
    optimizer = DecomposingOptimizer(OneVan, pool, threshold=50, stops_per_part=60)
    plan = optimizer.optimize(problem, time_limit_s=4)
    assert validate(problem, plan) == []
    assert left > 40
    assert len(plan.unassigned) < left / 2
    assert len(plan.routes) > len(parts)


@dataclass
class Looping:
    """A fake inner optimizer that searches its whole time, reporting progress as it goes,
    and stops early when the callback cancels it (as PyVRPOptimizer does). Calls listed in
    ``short_s`` search only that long, so the test knows which parts are running when."""

    short_s: dict[int, float] = field(default_factory=dict)  # call number: seconds
    calls: list[bool] = field(default_factory=list)  # per call: whether it was cancelled
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> Looping:
        return self

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        with self.lock:
            index = len(self.calls)
            self.calls.append(False)
        plan = NearestNeighbourOptimizer().optimize(problem, time_limit_s=time_limit_s)
        ends = time.perf_counter() + self.short_s.get(index, time_limit_s)
        while time.perf_counter() < ends:
            try:
                if progress is not None:
                    progress(Progress(0.0, plan.cost, True))
            except Cancelled:
                self.calls[index] = True
                break
            time.sleep(0.01)
        return plan


def test_cancelling_stops_parts_already_running_not_only_queued_ones() -> None:
    """Two workers, four parts: when the run is cancelled, the parts running then stop too.

    The first part ends after 0.3 s and the third starts in its place; the second ends after
    1.5 s, and the run is cancelled then, with the third searching for over a second.
    """
    problem = spread_day(240, 16, seed=6)
    inner = Looping(short_s={0: 0.3, 1: 1.5})
    reports = []

    def cancel_at_second(report: Progress) -> None:
        reports.append(report)
        if len(reports) == 2:
            raise Cancelled

    with ThreadPoolExecutor(2) as pool:
        optimizer = DecomposingOptimizer(
            inner, pool, threshold=50, stops_per_part=60, early_s=30.0, parallel=2
        )
        optimizer.optimize(problem, time_limit_s=600, progress=cancel_at_second)
    assert len(inner.calls) >= 3, "the third part had started before the run was cancelled"
    assert all(inner.calls[2:]), "every part running when the run was cancelled stopped"
    assert not any(inner.calls[:2]), "the first two finished their time"


def test_a_part_that_starts_after_the_run_was_cancelled_stops_at_once(tmp_path: Path) -> None:
    """Its job was already taken off the queue, but the run is over: no full search for it."""
    problem = spread_day(60, 4, seed=6)
    inner = Looping()
    running = tmp_path / "running"  # the run's directory is there, its file gone: cancelled
    plan = solve_part(inner, problem, 60.0, 0, running=str(running))
    assert inner.calls == [True]
    assert validate(problem, plan) == []


def test_a_worker_on_another_host_runs_its_time_out() -> None:
    """No run directory where the worker runs: it cannot be told, so it is not watched."""
    problem = spread_day(60, 4, seed=6)
    inner = Looping(short_s={0: 0.2})
    plan = solve_part(inner, problem, 60.0, 0, running="/nonexistent-doorstep-run/running")
    assert inner.calls == [False]
    assert validate(problem, plan) == []


def test_the_run_directory_stays_until_the_parts_still_running_end(tmp_path: Path) -> None:
    """Removed at once when nothing runs on; else when the last straggler ends."""
    idle = tmp_path / "idle"
    idle.mkdir()
    _remove_when_done(str(idle), [])
    assert not idle.exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    release = threading.Event()
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(release.wait), pool.submit(release.wait)]
        _remove_when_done(str(busy), jobs)
        assert busy.exists()
        release.set()
    assert not busy.exists()
