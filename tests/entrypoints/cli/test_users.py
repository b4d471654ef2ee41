"""`doorstep users`: add and list the people who log in."""

from __future__ import annotations

from tests.entrypoints.cli.runner import Cli, one_line_error


def test_user_add_then_list(cli: Cli, org: str) -> None:
    """A user added with two roles is listed next to the admin with both roles."""
    cli.ok(
        "users", "add", "--email", "Planner@Couriers.test", "--name", "Pia Planner",
        "--role", "planner", "--role", "viewer", DOORSTEP_USER_PASSWORD="long enough password",
    )  # fmt: skip
    listed = cli.ok("users", "list").stdout
    assert "planner@couriers.test" in listed
    assert "planner, viewer" in listed
    assert "admin@couriers.test" in listed


def test_user_without_password_or_terminal_names_the_env_var(cli: Cli, org: str) -> None:
    """Unattended and without a password, users add fails naming DOORSTEP_USER_PASSWORD."""
    result = cli("users", "add", "--email", "x@couriers.test", "--name", "X", "--role", "viewer")
    assert result.exit_code == 2
    assert "DOORSTEP_USER_PASSWORD" in one_line_error(result)


def test_unknown_role_is_a_usage_error(cli: Cli, org: str) -> None:
    """--role offers only the domain's roles."""
    result = cli(
        "users", "add", "--email", "x@couriers.test", "--name", "X", "--role", "boss",
        "--password", "long enough password",
    )  # fmt: skip
    assert result.exit_code == 2
