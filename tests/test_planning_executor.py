"""The container's planning executor (local pool or Dask) and the decomposing optimizer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from distributed import LocalCluster

from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer
from doorstep.bootstrap import build, optimizer
from doorstep.config import Settings
from doorstep.planning.decomposing import DecomposingOptimizer


def square(x: int) -> int:
    return x * x


def test_optimizer_decomposes_only_when_given_an_executor() -> None:
    """Without an executor the plain PyVRP optimizer, as the solve command expects."""
    assert isinstance(optimizer(), PyVRPOptimizer)
    with ThreadPoolExecutor(1) as pool:
        assert isinstance(optimizer(pool), DecomposingOptimizer)


def test_the_local_pool_plans_by_default(tmp_path: Path) -> None:
    """With no executor setting the planning executor is the container's worker pool."""
    container = build(Settings(data_dir=tmp_path, workers=1))
    assert container.planning_executor() is container.executor()
    container.close()


def test_a_dask_address_gives_the_clusters_executor(tmp_path: Path) -> None:
    """DOORSTEP_EXECUTOR names a scheduler; its executor runs work and close() disconnects."""
    cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed has no type hints
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster:
        container = build(Settings(data_dir=tmp_path, executor=cluster.scheduler_address))
        executor = container.planning_executor()
        assert executor is container.planning_executor()
        assert executor.submit(square, 7).result(timeout=30) == 49
        assert getattr(executor, "max_workers", None) == 1
        container.close()
