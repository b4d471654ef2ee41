"""The migrations build exactly the schema of tables.py; SQLite runs with its pragmas."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from doorstep.adapters.storage import schema
from doorstep.adapters.storage.engine import build_engine
from doorstep.adapters.storage.tables import metadata
from doorstep.bootstrap import Container


def test_migrations_match_the_tables(container: Container) -> None:
    """Autogenerate finds no difference between a migrated database and tables.py."""
    with container.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert set(inspect(connection).get_table_names()) == set(metadata.tables) | {
            "alembic_version"
        }


def test_upgrade_twice_is_a_no_op(container: Container) -> None:
    """Upgrading a database already at head changes neither revision nor tables."""
    head = schema.head_revision()
    assert schema.current_revision(container.engine) == head
    tables = set(inspect(container.engine).get_table_names())
    assert schema.upgrade(container.engine) == (head, head)
    assert schema.upgrade(container.engine) == (head, head)
    assert set(inspect(container.engine).get_table_names()) == tables


def test_fresh_sqlite_file_migrates_from_nothing(tmp_path: Path) -> None:
    """An empty file (in a folder not yet there) is created and brought to head."""
    engine = build_engine(f"sqlite:///{tmp_path / 'new' / 'doorstep.db'}")
    try:
        assert schema.upgrade(engine) == (None, schema.head_revision())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_connections_are_tuned(container: Container) -> None:
    """Every SQLite connection uses WAL, enforces foreign keys and waits for locks."""
    with container.engine.connect() as connection:
        values = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert values == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}
