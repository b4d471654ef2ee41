"""The decomposing optimizer's rounds: an early whole plan, then parts, then across borders."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pytest

from doorstep.planning.decomposing import DecomposingOptimizer, _pairs
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
    and stops early when the callback cancels it (as PyVRPOptimizer does)."""

    calls: list[bool] = field(default_factory=list)  # per call: whether it was cancelled

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
        plan = NearestNeighbourOptimizer().optimize(problem, time_limit_s=time_limit_s)
        index = len(self.calls)
        self.calls.append(False)
        ends = time.perf_counter() + time_limit_s
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
    """Two workers, four parts: when the run is cancelled, the part running then stops too."""
    problem = spread_day(240, 16, seed=6)
    inner = Looping()
    reports = []

    def cancel_at_second(report: Progress) -> None:
        reports.append(report)
        if len(reports) == 2:  # two parts done: the third is running by now
            raise Cancelled

    with ThreadPoolExecutor(2) as pool:
        optimizer = DecomposingOptimizer(
            inner, pool, threshold=50, stops_per_part=60, early_s=2.0, parallel=2
        )
        optimizer.optimize(problem, time_limit_s=60, progress=cancel_at_second)
    started_later = inner.calls[2:]
    assert started_later, "the third part had started before the run was cancelled"
    assert all(started_later), "every part still running was told to stop"
    assert not any(inner.calls[:2]), "the first two finished their time"
