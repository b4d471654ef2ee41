"""A Dask distributed cluster as a ``concurrent.futures.Executor`` for planning parts."""

from __future__ import annotations

from concurrent.futures import Executor

from distributed import Client


class DaskCluster:
    """A client connected to a Dask scheduler; ``executor`` submits to its workers."""

    def __init__(self, address: str) -> None:
        self._client = Client(address)  # type: ignore[no-untyped-call]  # distributed is untyped
        executor = self._client.get_executor()  # type: ignore[no-untyped-call]
        # Read by DecomposingOptimizer to share the time between waves of parts; the threads
        # of the workers connected now (a cluster that scales later is not followed).
        executor.max_workers = sum(self._client.nthreads().values())  # type: ignore[no-untyped-call]
        self.executor: Executor = executor

    def close(self) -> None:
        """Disconnect; the cluster's tasks for this client are released (the cluster stays)."""
        self.executor.shutdown(wait=False)
        self._client.close()  # type: ignore[no-untyped-call]
