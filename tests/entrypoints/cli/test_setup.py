"""`doorstep init`: the database, the organisation and its first admin, attended or not."""

from __future__ import annotations

import pytest

from doorstep.entrypoints.cli import setup
from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from tests.entrypoints.cli.runner import ADMIN_PASSWORD, Cli, one_line_error

UNATTENDED = {
    "DOORSTEP_ORG": "City Couriers",
    "DOORSTEP_ADMIN_EMAIL": "Admin@Couriers.test",
    "DOORSTEP_ADMIN_PASSWORD": ADMIN_PASSWORD,
}


def test_init_from_environment_is_safe_to_run_twice(cli: Cli) -> None:
    """Run twice from env vars, init creates one organisation and one admin, then says so."""
    first = cli.ok("init", **UNATTENDED)
    second = cli.ok("init", **UNATTENDED)
    assert "none -> " in first.stdout
    assert "'City Couriers' (slug city-couriers) created" in first.stdout
    assert "(up to date)" in second.stdout
    assert "already exists" in second.stdout
    container = cli.container()
    organisations = accounts.list_organisations(uow=container.uow())
    users = accounts.list_users(system_principal(organisations[0].id), uow=container.uow())
    container.close()
    assert [o.slug for o in organisations] == ["city-couriers"]
    assert [u.email for u in users] == ["admin@couriers.test"]


def test_init_tells_how_to_log_in(cli: Cli) -> None:
    """The output names the docs URL, the admin e-mail and the curl line for the login endpoint."""
    result = cli.ok("init", **UNATTENDED)
    assert "http://127.0.0.1:8000/docs" in result.stdout
    assert "admin@couriers.test" in result.stdout
    assert "curl -X POST http://127.0.0.1:8000/api/v1/auth/login" in result.stdout
    assert ADMIN_PASSWORD not in result.stdout


def test_init_without_password_or_terminal_names_the_env_var(cli: Cli) -> None:
    """Unattended with no password anywhere, init stops with a usage error naming the variable."""
    result = cli("init", DOORSTEP_ORG="City Couriers", DOORSTEP_ADMIN_EMAIL="a@couriers.test")
    assert result.exit_code == 2
    assert "DOORSTEP_ADMIN_PASSWORD" in one_line_error(result)
    assert not cli.data_dir.exists(), "nothing is created before the inputs are complete"


def test_init_refuses_a_short_password_naming_the_field(cli: Cli) -> None:
    """A password the service refuses ends with exit code 1 and the field's name."""
    result = cli("init", **{**UNATTENDED, "DOORSTEP_ADMIN_PASSWORD": "short"})
    assert result.exit_code == 1
    assert "password: must be at least 10 characters" in one_line_error(result)


def test_init_prompts_on_a_terminal_with_a_confirmed_password(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a terminal, missing values are asked for; the password is typed twice."""
    monkeypatch.setattr(setup, "has_terminal", lambda: True)
    answers = f"Prompted Org\nboss@prompted.test\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n"
    result = cli.ok("init", stdin=answers)
    assert "(slug prompted-org) created" in result.stdout
    assert "Repeat for confirmation" in result.stdout


def test_init_options_take_precedence_over_environment(cli: Cli) -> None:
    """--org on the command line wins over DOORSTEP_ORG."""
    result = cli.ok("init", "--org", "Other Org", **UNATTENDED)
    assert "(slug other-org) created" in result.stdout
