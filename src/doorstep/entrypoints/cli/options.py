"""Option types several commands share: a station reference, a daily shift, skills."""

from __future__ import annotations

from typing import Annotated

import typer

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
