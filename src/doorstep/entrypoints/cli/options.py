"""Option types several commands share: a station reference, a day, a daily shift, skills."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.records import Span, span_parser

StationRef = Annotated[
    str, typer.Option("--station", help="Home station, by code (e.g. HEL1) or id.")
]

ShiftOption = Annotated[
    Span,
    typer.Option(
        metavar="HH:MM-HH:MM",
        parser=span_parser("-", "07:00-17:00"),
        help="Daily shift in local time, e.g. 07:00-17:00; an end before start runs past midnight.",
    ),
]

SkillOption = Annotated[
    list[str] | None,
    typer.Option(
        "--skill", help="A skill, e.g. lift_gate or cold_chain; repeat the option for several."
    ),
]


def service_day(text: str) -> date:
    """``--date`` as a day, or a usage error showing the form expected."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        output.usage_error(f"--date: must be a day as YYYY-MM-DD, e.g. 2026-11-23; got {text!r}")
