"""CLI test fixtures: a runner on a fresh data directory, and an organisation made by `init`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.entrypoints.cli.runner import ORG_SLUG, Cli

# Variables a developer's shell may hold that would change what the CLI does under test.
_OUTSIDE = (
    "DOORSTEP_DATABASE_URL",
    "DOORSTEP_ORG",
    "DOORSTEP_ORG_SLUG",
    "DOORSTEP_ADMIN_EMAIL",
    "DOORSTEP_ADMIN_PASSWORD",
    "DOORSTEP_USER_PASSWORD",
)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    data_dir = tmp_path / "data"
    env: dict[str, str | None] = dict.fromkeys(_OUTSIDE)
    env |= {"DOORSTEP_DATA_DIR": str(data_dir), "DOORSTEP_FAST_PASSWORD_HASHING": "1"}
    return Cli(data_dir, env)


@pytest.fixture
def org(cli: Cli) -> str:
    """One organisation with its admin; returns its slug."""
    cli.init()
    return ORG_SLUG


@pytest.fixture
def station(cli: Cli, org: str) -> str:
    """A station HEL1 in the organisation; returns its code."""
    cli.ok(
        "stations",
        "add",
        "--code",
        "HEL1",
        "--name",
        "Helsinki West",
        "--lat",
        "60.17",
        "--lon",
        "24.9",
    )
    return "HEL1"
