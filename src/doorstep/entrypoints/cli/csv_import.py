"""Importing vehicles or drivers from CSV: each row on its own, matched by name, then reported.

Rows are numbered as in a spreadsheet (the header is row 1). A column the file leaves out keeps
each existing object's current value; a blank cell resets the field to its default. Each row is
its own service call and transaction, so a refused row never stops the rows after it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from doorstep.domain.stations import Station
from doorstep.entrypoints.api.schemas.base import EntityIn
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.records import Layout, Problem, Rejected, rejecting
from doorstep.services.intake.results import Outcome  # one vocabulary for every import

# Where csv.DictReader puts cells beyond the header's columns; no header can name a column so.
_EXTRA = "\0extra"


@dataclass(frozen=True)
class RowResult:
    row: int
    name: str
    outcome: Outcome
    problems: tuple[Problem, ...] = ()


class Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


Entity = TypeVar("Entity", bound=Named)


@dataclass
class NamedImport(Generic[Entity]):
    """Create-or-update one row by name, calling the add or update service only when needed."""

    layout: Layout
    model: type[EntityIn]
    existing: dict[str, Entity]  # by name; grows as rows are created
    stations: Mapping[str, Station]  # by id and by code
    station_field: str  # the model field naming the home station
    record: Callable[[Entity], dict[str, str]]  # an existing object as a CSV row
    add: Callable[[Mapping[str, Any]], Entity]
    update: Callable[[str, Mapping[str, Any]], Entity]

    def __call__(self, cells: Mapping[str, str]) -> Outcome:
        current = self.existing.get(cells.get("name", ""))
        fields = self._fields(overlay(self.record(current) if current else {}, cells))
        if current is None:
            created = self.add(fields)
            self.existing[created.name] = created
            return Outcome.CREATED
        changes = {name: value for name, value in fields.items() if getattr(current, name) != value}
        if not changes:
            return Outcome.UNCHANGED
        self.existing[current.name] = self.update(current.id, changes)
        return Outcome.UPDATED

    def _fields(self, flat: Mapping[str, str]) -> dict[str, Any]:
        values = self.layout.read(self.model, flat).domain_fields()
        # Only what a row can express changes; fields the file format lacks (active, speed
        # profile, login) stay as they are.
        fields = {name: value for name, value in values.items() if name in self.layout.top_fields}
        station = self.stations.get(fields[self.station_field])
        if station is not None:  # an unknown reference is left for the service to refuse
            fields[self.station_field] = station.id
        return fields


def overlay(current: Mapping[str, str], cells: Mapping[str, str]) -> dict[str, str]:
    """The row to validate: the file's cells over the current values; a blank cell removes one."""
    merged = dict(current)
    for column, value in cells.items():
        if value:
            merged[column] = value
        else:
            merged.pop(column, None)
    return merged


def run_import(
    path: Path, layout: Layout, upsert: Callable[[Mapping[str, str]], Outcome]
) -> list[RowResult]:
    """Apply every row of ``path``; a refused row is recorded with its problems, never raised."""
    return [apply(row, layout, upsert) for row in read_rows(path, layout.columns)]


def apply(row: Row, layout: Layout, upsert: Callable[[Mapping[str, str]], Outcome]) -> RowResult:
    name = row.cells.get("name", "")
    if row.extra:
        problem = Problem(None, f"{len(row.extra)} cell(s) beyond the header's columns")
        return RowResult(row.number, name, Outcome.REJECTED, (problem,))
    try:
        with rejecting(layout.column):
            return RowResult(row.number, name, upsert(row.cells))
    except Rejected as rejected:
        return RowResult(row.number, name, Outcome.REJECTED, tuple(rejected.problems))


@dataclass(frozen=True)
class Row:
    number: int  # as in a spreadsheet: the header is row 1
    cells: dict[str, str]
    extra: list[str]  # non-blank cells beyond the header's columns


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[Row]:
    """Each non-blank row, its cells stripped of surrounding spaces."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:  # -sig: Excel writes a BOM
            reader = csv.DictReader(file, restkey=_EXTRA, restval="")
            reader.fieldnames = check_header(reader.fieldnames, columns)
            for number, raw in enumerate(reader, start=2):
                extra = [str(cell).strip() for cell in raw.pop(_EXTRA, []) if str(cell).strip()]
                cells = {column: (value or "").strip() for column, value in raw.items()}
                if extra or any(cells.values()):
                    yield Row(number, cells, extra)
    except (UnicodeDecodeError, csv.Error) as error:
        output.usage_error(f"{path} is not a readable UTF-8 CSV file: {error}")


def check_header(header: Sequence[str] | None, columns: Sequence[str]) -> list[str]:
    """The header's column names, normalised; fails naming unknown or missing columns."""
    expected = ", ".join(columns)
    if not header:
        output.usage_error(
            f"the file is empty; its first line must name the columns, from: {expected}"
        )
    names = [name.strip().lower() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        output.usage_error(f"column {', '.join(map(repr, repeated))} appears more than once")
    unknown = [name for name in names if name not in columns]
    if unknown:
        output.usage_error(
            f"unknown column {', '.join(map(repr, unknown))}; the columns are: {expected}"
        )
    if "name" not in names:
        output.usage_error(
            "the file needs a 'name' column: rows are matched to existing objects by name"
        )
    return names


def report(results: list[RowResult], noun: str) -> None:
    """Print the rows that changed or were refused, then a summary; exit 1 if any was refused."""
    lines = [
        (r.row, r.name, r.outcome.value, p.field if p else "", p.message if p else "")
        for r in results
        if r.outcome is not Outcome.UNCHANGED
        for p in (r.problems or (None,))
    ]
    if lines:
        output.table(f"Imported {noun}s", ["Row", "Name", "Result", "Field", "Problem"], lines)
    counts = Counter(r.outcome for r in results)
    summary = ", ".join(f"{counts[o]} {o.value}" for o in Outcome)
    output.plain(f"Summary: {summary}")
    if counts[Outcome.REJECTED]:
        output.fail(
            f"{counts[Outcome.REJECTED]} of {len(results)} rows were rejected and the others "
            "saved; fix those rows and import the file again"
        )
