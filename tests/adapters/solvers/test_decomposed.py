"""The decomposing optimizer over PyVRP on a process pool and on a Dask LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

import pytest
from distributed import Client, LocalCluster

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.planning.decomposing import DecomposingOptimizer
from doorstep.planning.optimizer import Cancelled, Progress
from doorstep.planning.validation import assert_valid
from tests.planning.test_decomposition import spread_day


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    """Two worker processes, as the local planning pool on a small machine."""
    with ProcessPoolExecutor(2) as executor:
        yield executor


@pytest.fixture
def dask_executor() -> Iterator[Executor]:
    """A one-worker in-process Dask cluster's executor; cluster and client closed after."""
    # distributed has no type hints, hence the ignores.
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client.get_executor()


def test_big_day_through_a_process_pool_validates(pool: Executor) -> None:
    """300 stops over the threshold of 100 come back valid and nearly all served."""
    problem = spread_day(300, 20, seed=3)
    reports: list[Progress] = []
    optimizer = DecomposingOptimizer(PyVRPOptimizer, pool, threshold=100, stops_per_part=100)
    plan = optimizer.optimize(problem, time_limit_s=4, seed=1, progress=reports.append)
    assert_valid(problem, plan)
    assert len(plan.unassigned) <= 3
    assert plan.notes[-1].startswith("3 parts")
    assert len(reports) >= 3  # one per finished part, then per finished pair


def test_cancelling_returns_the_parts_finished_so_far(pool: Executor) -> None:
    """A callback raising Cancelled at the first report still gets a valid plan back."""
    problem = spread_day(300, 20, seed=4)

    def cancel(_: Progress) -> None:
        raise Cancelled

    optimizer = DecomposingOptimizer(PyVRPOptimizer, pool, threshold=100, stops_per_part=100)
    plan = optimizer.optimize(problem, time_limit_s=3, progress=cancel)
    assert_valid(problem, plan)
    assert plan.routes


def test_a_plan_runs_on_a_dask_local_cluster(dask_executor: Executor) -> None:
    """The acceptance test: parts solved by a Dask LocalCluster's workers make a valid plan."""
    problem = spread_day(150, 10, seed=5)
    optimizer = DecomposingOptimizer(
        PyVRPOptimizer, dask_executor, threshold=60, stops_per_part=60, parallel=1
    )
    plan = optimizer.optimize(problem, time_limit_s=3, seed=2)
    assert_valid(problem, plan)
    assert len(plan.unassigned) <= 2
