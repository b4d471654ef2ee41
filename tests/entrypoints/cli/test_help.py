"""The command tree explains itself: every command and option has a one-sentence help."""

from __future__ import annotations

from collections.abc import Iterator

import typer
from typer.core import TyperGroup

from doorstep.entrypoints.cli.main import app
from tests.entrypoints.cli.runner import Cli

COMMANDS = ("init", "serve", "stations", "vehicles", "drivers", "orders", "users")


def _walk(command: object, path: str = "doorstep") -> Iterator[tuple[str, object]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}")


def test_help_lists_every_command(cli: Cli) -> None:
    """`doorstep --help` names each top-level command with its sentence of help."""
    result = cli.ok("--help")
    for name in COMMANDS:
        assert name in result.stdout
    assert "Create or upgrade the database" in result.stdout


def test_every_command_and_option_has_help() -> None:
    """No command, option or argument in the tree is left without a help text."""
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for path, command in _walk(root):
        assert getattr(command, "help", None), f"{path} has no help"
        for param in getattr(command, "params", []):
            assert getattr(param, "help", None), f"{path} {param.name} has no help"


def test_each_group_help_lists_its_subcommands(cli: Cli) -> None:
    """`doorstep vehicles --help` shows add, list and import."""
    result = cli.ok("vehicles", "--help")
    for name in ("add", "list", "import"):
        assert name in result.stdout
