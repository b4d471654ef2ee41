"""Planning jobs: runs of ``plan_day`` in the serving process's background, with progress;
also re-planning routes after a live change, and allocating a day between the own fleet and
partners (``services.carriers.allocation.run``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from doorstep.domain.errors import Conflict, DomainError, InvalidValue, NotFound
from doorstep.domain.permissions import Permission
from doorstep.planning.optimizer import Cancelled, Progress, RouteOptimizer
from doorstep.planning.travel import TravelTimes
from doorstep.services.authorization import Principal, require
from doorstep.services.carriers import allocation
from doorstep.services.planning import live, runs
from doorstep.services.planning.live import Matrices
from doorstep.services.ports import Broadcaster, Clock, IdGenerator, UnitOfWork
from doorstep.services.stations import resolve_station

log = logging.getLogger(__name__)

# The longest search a job may ask for: an hour, far past where plans stop improving.
MAX_TIME_LIMIT_S = 3600.0
# Finished jobs kept per organisation; older ones are forgotten (their plans stay stored).
KEEP_FINISHED = 200


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class JobKind(StrEnum):
    PLAN = "plan"  # runs.plan_day
    IMPROVE = "improve"  # live.improve_routes on routes a live change touched
    ALLOCATE = "allocate"  # allocation.run: own fleet or a partner per order, and the plan


@dataclass(frozen=True)
class PlanningJob:
    """A snapshot of one job; the store replaces it whole, so readers never see it half-changed."""

    id: str
    organisation_id: str
    station_id: str
    service_date: date
    time_limit_s: float
    seed: int
    created_at: datetime
    status: JobStatus = JobStatus.QUEUED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: Progress | None = None
    plan_id: str | None = None
    error: str | None = None
    cancel_requested: bool = False
    # An improvement job re-plans these routes of ``base_plan_id`` after a live change.
    base_plan_id: str | None = None
    vehicle_ids: tuple[str, ...] = ()
    reorder_loaded: bool = False  # it may reorder parcels already loaded on vans on the road
    station_vans: bool = False  # every van still at the station joins (live.improve_routes)
    outcome: str | None = None  # what a finished job did, in words
    kind: JobKind = JobKind.PLAN


@dataclass(frozen=True)
class PlanningPorts:
    """What a job needs; factories, because each job opens its own units of work in its thread."""

    uow: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]
    travel: Callable[[], TravelTimes]
    optimizer: Callable[[], RouteOptimizer]
    clock: Clock
    ids: IdGenerator
    matrices: Matrices = field(default_factory=Matrices)  # shared with the live changes
    broadcast: Broadcaster | None = None  # told when an improvement changes a published day


class PlanningJobs:
    """The planning jobs of this process, per organisation, run one at a time on ``executor``.

    Records live in memory: a restart forgets queued and running jobs (their runs die with the
    process) and finished ones, while the plans that finished jobs made are stored versions.
    Cancelling a running job makes its progress callback raise ``Cancelled``: the solver stops
    and the best plan so far is stored as a draft version, which the job names; a queued job
    is cancelled before it starts and makes no plan. An allocation job is all or nothing: when
    cancelled while running it stores no version and no decisions (the day's earlier
    allocations stand), because a half-searched plan would hand orders to partners that the
    fleet could take.
    """

    def __init__(self, executor: Executor, ports: PlanningPorts) -> None:
        self._executor = executor
        self._ports = ports
        self._lock = threading.Lock()  # guards _jobs: request threads and the worker share it
        self._jobs: dict[str, dict[str, PlanningJob]] = {}

    def start(
        self, principal: Principal, station_ref: str, day: date, *, time_limit_s: float, seed: int
    ) -> PlanningJob:
        """Queue a run of ``runs.plan_day``; bad input is refused now, not when the job runs."""
        require(principal, Permission.PLANS_WRITE)
        return self._queue_day(principal, station_ref, day, time_limit_s, seed, JobKind.PLAN)

    def _queue_day(
        self,
        principal: Principal,
        station_ref: str,
        day: date,
        time_limit_s: float,
        seed: int,
        kind: JobKind,
    ) -> PlanningJob:
        """A job on a station's whole day (planning or allocation), checked and queued."""
        _check_limit(time_limit_s)
        with self._ports.reader() as uow:
            station = resolve_station(uow, principal.organisation_id, "station", station_ref)
        job = PlanningJob(
            id=self._ports.ids.new_id("job"),
            organisation_id=principal.organisation_id,
            station_id=station.id,
            service_date=day,
            time_limit_s=time_limit_s,
            seed=seed,
            created_at=self._ports.clock.now(),
            kind=kind,
        )
        return self._queue(principal, job)

    def start_improvement(
        self,
        principal: Principal,
        plan_id: str,
        vehicle_ids: tuple[str, ...],
        *,
        time_limit_s: float,
        reorder_loaded: bool = False,
        station_vans: bool = False,
    ) -> PlanningJob:
        """Queue ``live.improve_routes`` on routes a live change touched (and, with
        ``station_vans``, every van still at the station while stops are left out)."""
        require(principal, Permission.PLANS_LIVE)
        _check_limit(time_limit_s)
        with self._ports.reader() as uow:
            version = uow.plans.get(principal.organisation_id, plan_id)
        if version is None:
            raise NotFound("plan", plan_id)
        job = PlanningJob(
            id=self._ports.ids.new_id("job"),
            organisation_id=principal.organisation_id,
            station_id=version.station_id,
            service_date=version.service_date,
            time_limit_s=time_limit_s,
            seed=version.seed,
            created_at=self._ports.clock.now(),
            base_plan_id=plan_id,
            vehicle_ids=vehicle_ids,
            reorder_loaded=reorder_loaded,
            station_vans=station_vans,
            kind=JobKind.IMPROVE,
        )
        return self._queue(principal, job)

    def start_allocation(
        self, principal: Principal, station_ref: str, day: date, *, time_limit_s: float, seed: int
    ) -> PlanningJob:
        """Queue ``allocation.run`` (``time_limit_s`` is each planning round's); the finished
        job names the own fleet's plan and says in words where the orders went."""
        require(principal, Permission.PLANS_WRITE)
        require(principal, Permission.ORDERS_WRITE)
        return self._queue_day(principal, station_ref, day, time_limit_s, seed, JobKind.ALLOCATE)

    def _queue(self, principal: Principal, job: PlanningJob) -> PlanningJob:
        with self._lock:
            jobs = self._jobs.setdefault(principal.organisation_id, {})
            jobs[job.id] = job
            self._forget_old(jobs)
        self._executor.submit(self._run, principal, job.id)
        return job

    def get(self, principal: Principal, job_id: str) -> PlanningJob:
        require(principal, Permission.PLANS_READ)
        with self._lock:
            return self._find(principal.organisation_id, job_id)

    def cancel(self, principal: Principal, job_id: str) -> PlanningJob:
        """Cancel a queued job at once, or ask a running one to stop at its next progress report.

        Raises Conflict naming the status of a job that already finished.
        """
        require(principal, Permission.PLANS_WRITE)
        with self._lock:
            job = self._find(principal.organisation_id, job_id)
            if job.status in FINISHED:
                raise Conflict(f"job {job.id} is already {job.status.value}; nothing to cancel")
            if job.status is JobStatus.QUEUED:
                changed = replace(
                    job, status=JobStatus.CANCELLED, finished_at=self._ports.clock.now()
                )
            else:
                changed = replace(job, cancel_requested=True)
            self._put(changed)
            return changed

    def cancel_all(self) -> None:
        """Ask every job to stop (the process is closing); queued ones never start."""
        with self._lock:
            for jobs in self._jobs.values():
                for job in list(jobs.values()):
                    if job.status not in FINISHED:
                        jobs[job.id] = replace(job, cancel_requested=True)

    def _run(self, principal: Principal, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(principal.organisation_id, {}).get(job_id)
            if job is None:
                return  # cancelled while queued, then forgotten among the oldest finished
            if job.status is not JobStatus.QUEUED or job.cancel_requested:
                if job.status not in FINISHED:
                    self._put(self._finish(job, JobStatus.CANCELLED))
                return
            self._put(replace(job, status=JobStatus.RUNNING, started_at=self._ports.clock.now()))
        ports = self._ports
        if job.base_plan_id is not None:
            self._improve(principal, job)
            return
        if job.kind is JobKind.ALLOCATE:
            self._allocate(principal, job)
            return
        try:
            version = runs.plan_day(
                principal, job.station_id, job.service_date,
                uow=ports.uow(), reader=ports.reader(), travel=ports.travel(),
                optimizer=ports.optimizer(), clock=ports.clock, ids=ports.ids,
                time_limit_s=job.time_limit_s, seed=job.seed, matrices=ports.matrices,
                progress=lambda p: self._report(principal.organisation_id, job_id, p),
            )  # fmt: skip
        except Exception as error:  # the job records any failure; a worker thread would hide it
            if not isinstance(error, DomainError):
                log.exception("planning job %s failed", job_id)
            self._end(principal.organisation_id, job_id, JobStatus.FAILED, error=str(error))
            return
        self._end(principal.organisation_id, job_id, JobStatus.SUCCEEDED, plan_id=version.id)

    def _improve(self, principal: Principal, job: PlanningJob) -> None:
        ports = self._ports
        assert job.base_plan_id is not None
        live_ports = live.LivePorts(
            ports.uow(), ports.travel(), ports.matrices, ports.clock, ports.ids, ports.broadcast
        )
        try:
            change = live.improve_routes(
                principal, job.base_plan_id, job.vehicle_ids,
                optimizer=ports.optimizer(), time_limit_s=job.time_limit_s, ports=live_ports,
                reorder_loaded=job.reorder_loaded, station_vans=job.station_vans,
                progress=lambda p: self._report(principal.organisation_id, job.id, p),
            )  # fmt: skip
        except Conflict:  # another change came first: its version stands, this one is moot
            outcome = "the plan changed meanwhile; nothing stored"
            self._end(principal.organisation_id, job.id, JobStatus.SUCCEEDED, outcome=outcome)
            return
        except Exception as error:  # recorded on the job, as for a planning run
            if not isinstance(error, DomainError):
                log.exception("improvement job %s failed", job.id)
            self._end(principal.organisation_id, job.id, JobStatus.FAILED, error=str(error))
            return
        if change is None:
            outcome = "no cheaper routes found (or the day moved on); the plan stays as it is"
            self._end(principal.organisation_id, job.id, JobStatus.SUCCEEDED, outcome=outcome)
            return
        outcome = f"plan {change.version.number} stored with improved routes"
        self._end(
            principal.organisation_id, job.id, JobStatus.SUCCEEDED,
            plan_id=change.version.id, outcome=outcome,
        )  # fmt: skip

    def _allocate(self, principal: Principal, job: PlanningJob) -> None:
        ports = self._ports
        org = principal.organisation_id
        alloc_ports = allocation.AllocationPorts(
            ports.uow(), ports.travel(), ports.optimizer(), ports.clock, ports.ids,
            reader=ports.reader(),
        )  # fmt: skip
        report = _Across(lambda p: self._report(org, job.id, p))
        try:
            found = allocation.run(
                principal, job.station_id, job.service_date, ports=alloc_ports,
                time_limit_s=job.time_limit_s, seed=job.seed, progress=report,
            )  # fmt: skip
        except Cancelled:
            outcome = "cancelled: nothing stored; the day's earlier allocations stand"
            self._end(org, job.id, JobStatus.CANCELLED, outcome=outcome)
            return
        except Exception as error:  # recorded on the job, as for a planning run
            if not isinstance(error, DomainError):
                log.exception("allocation job %s failed", job.id)
            self._end(org, job.id, JobStatus.FAILED, error=str(error))
            return
        version = found.version
        if version is None:
            plan = "; nothing stays with the own fleet, so no plan was stored"
        else:
            plan = f"; the own fleet's plan is plan {version.number} (a draft)"
        self._end(
            org, job.id, JobStatus.SUCCEEDED,
            plan_id=version.id if version is not None else None,
            outcome=found.outcome() + plan,
        )  # fmt: skip

    def _report(self, organisation_id: str, job_id: str, progress: Progress) -> None:
        with self._lock:
            job = self._find(organisation_id, job_id)
            self._put(replace(job, progress=progress))
            if job.cancel_requested:
                raise Cancelled(job_id)

    def _end(
        self,
        organisation_id: str,
        job_id: str,
        status: JobStatus,
        *,
        plan_id: str | None = None,
        error: str | None = None,
        outcome: str | None = None,
    ) -> None:
        with self._lock:
            job = self._find(organisation_id, job_id)
            # A run asked to stop still ends with the best plan so far (or its error).
            final = JobStatus.CANCELLED if job.cancel_requested else status
            done = replace(self._finish(job, final), plan_id=plan_id, error=error, outcome=outcome)
            self._put(done)

    def _finish(self, job: PlanningJob, status: JobStatus) -> PlanningJob:
        return replace(job, status=status, finished_at=self._ports.clock.now())

    def _find(self, organisation_id: str, job_id: str) -> PlanningJob:
        job = self._jobs.get(organisation_id, {}).get(job_id)
        if job is None:
            raise NotFound(
                "planning job", job_id, "jobs live in the serving process; a restart forgets them"
            )
        return job

    def _put(self, job: PlanningJob) -> None:
        self._jobs[job.organisation_id][job.id] = job

    @staticmethod
    def _forget_old(jobs: dict[str, PlanningJob]) -> None:
        finished = [j for j in jobs.values() if j.status in FINISHED]
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del jobs[job.id]  # dicts keep insertion order: the oldest go first


class _Across:
    """Progress over an allocation's several solver runs: each run counts its time from 0, the
    job's elapsed time adds them up (a run whose time goes back started anew)."""

    def __init__(self, report: Callable[[Progress], None]) -> None:
        self._report = report
        self._before = 0.0
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        if progress.elapsed_s < self._last:
            self._before += self._last
        self._last = progress.elapsed_s
        self._report(replace(progress, elapsed_s=self._before + progress.elapsed_s))


def _check_limit(time_limit_s: float) -> None:
    """Refused now, not when the job runs."""
    if not (0 < time_limit_s <= MAX_TIME_LIMIT_S):
        limit = f"{MAX_TIME_LIMIT_S:g}"
        raise InvalidValue("time_limit_s", f"must be seconds above 0 and at most {limit}")
