"""Everything the command line prints: Rich consoles, tables, JSON, and one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Wide enough that piped output (grep, less, a file) is never wrapped; tables only take the
# width their content needs.
PIPE_WIDTH = 1000


def _console(*, stderr: bool) -> Console:
    """A console on the current stdout or stderr (tests swap them), full width when piped."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, highlight=False, width=None if stream.isatty() else PIPE_WIDTH)


def console() -> Console:
    """Where results go, so they can be piped."""
    return _console(stderr=False)


def errors() -> Console:
    """Where errors and progress notes go, apart from the results."""
    return _console(stderr=True)


EXIT_FAILED = 1
EXIT_USAGE = 2


def fail(message: str, *, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``Error: message`` on one line and end the command with ``code``."""
    # soft_wrap keeps the message on one line however narrow the terminal; Text() keeps any
    # square brackets in user input from being read as Rich markup.
    errors().print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


def usage_error(message: str) -> NoReturn:
    """A problem with how the command was called rather than with the data: exit code 2."""
    fail(message, code=EXIT_USAGE)


def note(message: str) -> None:
    """A progress remark on stderr, kept out of the results on stdout."""
    errors().print(Text(message, style="dim"), soft_wrap=True)


def plain(message: str) -> None:
    """A result line printed as is, never wrapped, so commands in it can be copied."""
    console().print(Text(message), soft_wrap=True)


def done(message: str) -> None:
    console().print(Text.assemble(("✓ ", "green"), message), soft_wrap=True)


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print rows as a table; an empty listing says so instead of printing an empty frame."""
    grid = Table(title=title, title_justify="left", header_style="bold")
    for header in headers:
        grid.add_column(header, overflow="fold")
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    if grid.row_count == 0:
        console().print(Text(f"{title}: none"))
        return
    console().print(grid)


def details(title: str, fields: Iterable[tuple[str, object]]) -> None:
    """Print one object as aligned ``label  value`` lines."""
    grid = Table(title=title, title_justify="left", show_header=False, box=None)
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for label, value in fields:
        grid.add_row(label, Text("" if value is None else str(value)))
    console().print(grid)


def json(model: BaseModel) -> None:
    """Machine-readable output: the same JSON the HTTP API answers with, unstyled."""
    typer.echo(model.model_dump_json(indent=2))
