"""Allocation as a planning job, on fakes, run in the calling thread: the finished job names
the own fleet's plan and says where the orders went; its progress adds up over the several
solver runs; cancelled while searching, it stores nothing.

The day is ``test_allocation``'s hand-worked one: a van for 2 parcels, cheapco at 5.00 for
A and B (zone 001) and 30.00 for C and D (zone 002), so A and B go to cheapco."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pytest

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.domain.stations import Station
from doorstep.planning.optimizer import Cancelled, Progress, ProgressCallback
from doorstep.planning.plan import Plan
from doorstep.planning.problem import Problem
from doorstep.services.authorization import Principal
from doorstep.services.carriers import allocation
from doorstep.services.planning.jobs import JobKind, JobStatus, PlanningJobs, PlanningPorts
from tests.services.carriers.test_allocation import day_order, monday, partner, van
from tests.services.conftest import Ports
from tests.services.planning.test_day import StraightTravel
from tests.services.planning.test_runs import DAY, station

__all__ = ["monday", "station"]  # the fixtures


class InThread:
    """An executor that runs each job at once, in the caller's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


@dataclass
class Reporting:
    """PyVRP, reporting 1.0 s then 2.0 s of progress per run (as a solver counts from 0 each
    run); ``before_report`` runs first (a person pressing Cancel meanwhile). Like the real
    adapters, a ``Cancelled`` from the callback stops the search and the best plan is kept."""

    before_report: Callable[[], None] = lambda: None
    runs: int = 0
    inner: PyVRPOptimizer = field(default_factory=PyVRPOptimizer)

    def optimize(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        seed: int = 0,
        initial: Plan | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        self.runs += 1
        try:
            for elapsed in (1.0, 2.0):
                self.before_report()
                if progress is not None:
                    progress(Progress(elapsed, 1000, True))
        except Cancelled:
            pass
        return self.inner.optimize(problem, time_limit_s=time_limit_s, seed=seed)


def seeded(ports: Ports, admin: Principal) -> None:
    van(ports, admin, parcels=2)
    partner(ports, admin, "cheapco", {"001": 500, "002": 3000})
    for ref, postcode in [("A", "00100"), ("B", "00100"), ("C", "00200"), ("D", "00200")]:
        day_order(ports, admin, ref, postcode)


def jobs_with(ports: Ports, optimizer: Reporting) -> PlanningJobs:
    return PlanningJobs(
        InThread(),  # type: ignore[arg-type]
        PlanningPorts(
            uow=lambda: ports.uow,
            reader=lambda: ports.uow,
            travel=StraightTravel,
            optimizer=lambda: optimizer,
            clock=ports.clock,
            ids=ports.ids,
        ),
    )


def test_a_finished_allocation_job_names_the_plan_and_the_outcome_in_words(
    ports: Ports, admin: Principal, station: Station
) -> None:
    seeded(ports, admin)
    solver = Reporting()
    jobs = jobs_with(ports, solver)
    queued = jobs.start_allocation(admin, "HEL1", DAY, time_limit_s=1.0, seed=0)
    job = jobs.get(admin, queued.id)
    assert (job.kind, job.status, job.error) == (JobKind.ALLOCATE, JobStatus.SUCCEEDED, None)
    with ports.uow as uow:
        latest = uow.plans.latest(admin.organisation_id, station.id, DAY)
    assert latest is not None
    assert job.plan_id == latest.id
    assert job.outcome == (
        "2 orders to the own fleet, 2 to partners (Cheapco 2); the own fleet's plan is plan 1 "
        "(a draft)"
    )
    # Each solver run counts from 0; the job's elapsed time adds the runs up.
    assert job.progress is not None
    assert job.progress.elapsed_s == pytest.approx(2.0 * solver.runs)
    assert solver.runs >= 2


def test_a_cancelled_allocation_job_stores_nothing(
    ports: Ports, admin: Principal, station: Station
) -> None:
    seeded(ports, admin)
    solver = Reporting()
    jobs = jobs_with(ports, solver)

    # The job runs inside start_allocation here, before its id is handed back, so the person's
    # Cancel is pressed from the solver's first report on the organisation's running job.
    def first_job_cancel() -> None:
        found = list(jobs._jobs.get(admin.organisation_id, {}).values())
        if found and found[0].status is JobStatus.RUNNING and not found[0].cancel_requested:
            jobs.cancel(admin, found[0].id)

    solver.before_report = first_job_cancel
    queued = jobs.start_allocation(admin, "HEL1", DAY, time_limit_s=1.0, seed=0)
    job = jobs.get(admin, queued.id)
    assert (job.status, job.plan_id, job.error) == (JobStatus.CANCELLED, None, None)
    assert job.outcome == "cancelled: nothing stored; the day's earlier allocations stand"
    assert solver.runs == 1  # the rounds stopped with the first run
    with ports.uow as uow:
        assert uow.plans.latest(admin.organisation_id, station.id, DAY) is None
        assert list(uow.carriers.allocations(admin.organisation_id, DAY)) == []
    assert allocation.list_allocations(admin, "HEL1", DAY, uow=ports.uow) == []
