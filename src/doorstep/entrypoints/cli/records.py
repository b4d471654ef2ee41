"""Flat records (command-line options, CSV rows) read through the HTTP API's input models.

The API models already hold every input rule; a ``Layout`` only says where each flat column goes
in the nested model, and names a broken field the way the user typed it (``--weight-kg`` on the
command line, ``weight_kg`` in a CSV file) instead of the model's ``capacity.weight_kg``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from doorstep.domain.errors import Conflict, DomainError, InvalidValue

Model = TypeVar("Model", bound=BaseModel)
FieldPath = tuple[str, ...]
LIST_SEPARATOR = ";"
SHOWN_PROBLEMS = 3  # on one line; more would not fit a terminal


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: the field as the user knows it, and what is wrong."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class Rejected(Exception):
    """Input refused, with its problems already named in the user's terms."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


@dataclass(frozen=True)
class Layout:
    """Where each flat column goes in a nested API model, e.g. weight_kg -> capacity.weight_kg."""

    paths: Mapping[str, FieldPath]
    lists: frozenset[str] = frozenset()  # columns holding several values separated by ';'
    options: Mapping[str, str] = field(default_factory=dict)  # flags not named after the column

    @property
    def columns(self) -> tuple[str, ...]:
        """The flat names, in the order they were declared (and are documented)."""
        return tuple(self.paths)

    @property
    def top_fields(self) -> frozenset[str]:
        """The model's own fields this layout fills (``capacity`` for ``weight_kg``)."""
        return frozenset(path[0] for path in self.paths.values())

    def read(self, model: type[Model], flat: Mapping[str, object]) -> Model:
        """Validate ``flat`` with ``model``; raises pydantic's ValidationError."""
        return model.model_validate(self.nest(flat))

    def nest(self, flat: Mapping[str, object]) -> dict[str, Any]:
        """The model's input for ``flat``; a None value is left out so the default applies."""
        nested: dict[str, Any] = {}
        for column, value in flat.items():
            if value is None:
                continue
            if column in self.lists and isinstance(value, str):
                value = [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
            *parents, leaf = self.paths[column]
            target = nested
            for key in parents:
                target = target.setdefault(key, {})
            target[leaf] = value
        return nested

    def column(self, path: FieldPath) -> str | None:
        """The CSV column a model field came from, e.g. ``weight_kg``."""
        return ", ".join(self._sources(path)) or None

    def option(self, path: FieldPath) -> str | None:
        """The command-line flag that fills a model field, e.g. ``--weight-kg``."""
        flags = [self.options.get(c) or f"--{c.replace('_', '-')}" for c in self._sources(path)]
        return ", ".join(dict.fromkeys(flags)) or None  # --shift fills two columns: name it once

    def _sources(self, path: FieldPath) -> list[str]:
        """The columns behind a model field: the longest matching path wins, and a whole value
        object (``capacity`` missing) is named by all of its columns."""
        for length in range(len(path), 0, -1):
            found = [c for c, p in self.paths.items() if p == path[:length]]
            if found:
                return found[:1]
        return [c for c, p in self.paths.items() if p[: len(path)] == path]


Namer = Callable[[FieldPath], "str | None"]


def problems_of(error: ValidationError | DomainError, name: Namer) -> list[Problem]:
    """Every problem in ``error``, each naming its field through ``name``."""
    if isinstance(error, ValidationError):
        return [_validation_problem(detail, name) for detail in error.errors()]
    if isinstance(error, InvalidValue):
        return [Problem(_named(error.field, name), error.message)]
    if isinstance(error, Conflict) and error.field:
        return [Problem(_named(error.field, name), str(error))]
    return [Problem(None, str(error))]


def _validation_problem(detail: Mapping[str, Any], name: Namer) -> Problem:
    location = tuple(detail["loc"])
    keys = tuple(str(part) for part in location if isinstance(part, str))
    positions = [part for part in location if isinstance(part, int)]
    label = name(keys) or ".".join(keys) or None
    if label and positions:
        label = f"{label} #{positions[0] + 1}"  # count repeated options from 1, as users do
    message = str(detail["msg"]).removeprefix("Value error, ")
    return Problem(label, message)


def _named(dotted: str, name: Namer) -> str:
    return name(tuple(dotted.split("."))) or dotted


def plain(path: FieldPath) -> str | None:
    """Name a field by its model path: for errors raised outside any layout."""
    return ".".join(path) or None


@contextmanager
def rejecting(name: Namer) -> Iterator[None]:
    """Turn validation and domain errors inside the block into ``Rejected`` named by ``name``."""
    try:
        yield
    except (ValidationError, DomainError) as error:
        raise Rejected(problems_of(error, name)) from error


@dataclass(frozen=True)
class Span:
    """Two values typed as one option, e.g. a shift ``07:00-17:00`` or a window ``START/END``."""

    start: str
    end: str


def span_parser(separator: str, example: str) -> Callable[[str], Span]:
    """A Typer parser splitting an option at ``separator``; a malformed value is a usage error."""

    def parse(text: str) -> Span:
        start, found, end = text.partition(separator)
        if not found or not start.strip() or not end.strip():
            raise typer.BadParameter(f"must look like {example}, got {text!r}")
        return Span(start.strip(), end.strip())

    return parse
