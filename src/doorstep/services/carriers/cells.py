"""What the carrier file and the rate-card file read alike: headers, carrier codes, postcode
prefixes, and the mistakes a file holds (every one, named by row and column)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from doorstep.domain.errors import InvalidValue
from doorstep.services.intake.values import CellError, parse_text

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
PREFIX = re.compile(r"[A-Z0-9]{1,10}")
RANGE = re.compile(r"[A-Z0-9]+-[A-Z0-9]+")
SPLIT = re.compile(r"[\s,;|]+")


@dataclass(frozen=True)
class Problem:
    """One mistake: where it is and how to fix it."""

    row: int
    column: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.problem}; {self.fix}"


class FileInvalid(InvalidValue):
    """The rows hold mistakes; ``problems`` lists every one, in row and column order, and
    nothing of the file is loaded."""

    def __init__(
        self,
        field: str,
        file: str,
        unit: str,
        columns: Sequence[str],
        problems: Iterable[Problem],
    ) -> None:
        def position(p: Problem) -> tuple[int, int]:
            return p.row, columns.index(p.column) if p.column in columns else len(columns)

        self.problems = tuple(sorted(problems, key=position))
        shown = "\n".join(str(problem) for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            field,
            f"{count} mistake{'s' if count != 1 else ''} in the {file} file, no {unit} was "
            f"loaded:\n{shown}",
        )


def header(name: object) -> str:
    """A column's name as the readers know it: lower case, words joined by '_'."""
    return "_".join(str(name).strip().lower().replace("-", " ").replace("_", " ").split())


def carrier_code(value: object, column: str) -> str:
    code = parse_text(value, column).lower()
    if not CODE.fullmatch(code):
        raise CellError(
            column,
            f"'{code}' is not a carrier code",
            "use 1-40 lower-case letters, digits, '-' or '_', e.g. kaupunkikuriiri",
        )
    return code


def postcode_prefixes(value: object, column: str) -> frozenset[str]:
    """Prefixes separated by spaces, commas, ';' or '|'; a range is refused with the fix."""
    parts = [part.upper() for part in SPLIT.split(parse_text(value, column)) if part]
    for part in parts:
        if RANGE.fullmatch(part):
            raise CellError(
                column,
                f"'{part}' is a range; coverage and zones match postcode prefixes",
                "write the prefixes the range covers, e.g. 005 for 00500-00599",
            )
        if not PREFIX.fullmatch(part):
            raise CellError(
                column,
                f"'{part}' is not a postcode prefix",
                "write 1-10 letters or digits per prefix, separated by spaces, e.g. 001 002",
            )
    return frozenset(parts)
