"""Reading an import's rows into order drafts, a batch at a time, optionally batches ahead.

Parsing touches no database, so a worker process can read the next batch while this one is
checked and saved; with ``AheadChecks`` it also looks the drafts' addresses up and checks
their phones and e-mails (``ahead.py``). On two cores that takes about half of the work per
row off the main process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from doorstep.domain.errors import InvalidValue
from doorstep.domain.stations import Station
from doorstep.services.intake.ahead import AheadChecks
from doorstep.services.intake.checks import Prechecked
from doorstep.services.intake.columns import Field
from doorstep.services.intake.results import ImportOptions, Outcome, RowResult
from doorstep.services.intake.rows import OrderDraft, Problem, RowRejected, parse_row

Cells = tuple[int, Mapping[Field, Any]]
Parsed = RowResult | tuple[OrderDraft, Station | None]
C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True)
class Chunk:
    """Rows to parse in one go, and the checks to do ahead on their drafts (None: parse only)."""

    rows: list[Cells]
    ahead: AheadChecks | None = None


@dataclass(frozen=True)
class ParsedChunk:
    """A chunk's rows, each a draft with its station or a rejected result, and the checks done
    ahead for its drafts, by row number (none without ``AheadChecks``)."""

    rows: list[Parsed]
    ahead: dict[int, Prechecked] = field(default_factory=dict)


class StationBook:
    """The organisation's stations by id and code, looked up once per import."""

    def __init__(self, listed: Sequence[Station], options: ImportOptions) -> None:
        self.by_id = {s.id: s for s in listed}
        self.by_key = self.by_id | {s.code: s for s in listed}
        self.default: Station | None = None
        self.default_zone = ZoneInfo(options.timezone)
        if options.station:
            found = self.by_key.get(options.station) or self.by_key.get(options.station.upper())
            if found is None:
                raise InvalidValue("station", self.unknown(options.station))
            self.default = found

    def find(self, text: str | None) -> Station | None:
        if not text:
            return self.default
        found = self.by_key.get(text) or self.by_key.get(text.strip().upper())
        if found is None:
            raise InvalidValue("station", self.unknown(text))
        return found

    def unknown(self, text: str) -> str:
        known = ", ".join(sorted(s.code for s in self.by_id.values())) or "none registered yet"
        return f"no station {text!r}; known stations: {known}"


def parse_chunk(chunk: Chunk, options: ImportOptions, book: StationBook) -> ParsedChunk:
    """Each row as a draft with its station, or as a rejected result naming row and field;
    with ``chunk.ahead``, the drafts' checks that need nothing but the row."""
    rows = [_parse(number, cells, options, book) for number, cells in chunk.rows]
    if chunk.ahead is None:
        return ParsedChunk(rows)
    drafts = (row[0] for row in rows if not isinstance(row, RowResult))
    return ParsedChunk(rows, chunk.ahead.run(drafts))


def _parse(
    number: int, cells: Mapping[Field, Any], options: ImportOptions, book: StationBook
) -> Parsed:
    reference = str(cells.get(Field.REFERENCE) or "").strip()
    try:
        station = book.find(str(cells.get(Field.STATION) or "").strip() or None)
    except InvalidValue as error:
        problem = Problem("station", error.message, "use a known station code")
        return RowResult(number, reference, Outcome.REJECTED, problems=(problem,))
    zone = ZoneInfo(station.timezone) if station else book.default_zone
    parsed = parse_row(
        number,
        cells,
        timezone=zone,
        default_date=options.default_date,
        default_shipper=options.shipper,
        formats=options.formats,
    )
    if isinstance(parsed, RowRejected):
        return RowResult(number, reference, Outcome.REJECTED, problems=parsed.problems)
    return parsed, station


def parsed_ahead(
    chunks: Iterable[C],
    parse: Callable[[C], T],
    executor: Executor | None,
    depth: int = 1,
) -> Iterator[tuple[C, T]]:
    """Each chunk with its parsed rows, in order; with an executor the next ``depth`` chunks
    are parsed there while the caller works on the current one.

    ``chunks`` is read one chunk at a time, just before that chunk is handed out: a lazy
    iterable can still decide how to parse a chunk from what the caller has seen so far.
    """
    if executor is None:
        yield from ((chunk, parse(chunk)) for chunk in chunks)
        return
    waiting: deque[tuple[C, Future[T]]] = deque()
    for chunk in chunks:
        waiting.append((chunk, executor.submit(parse, chunk)))
        if len(waiting) > depth:
            done, future = waiting.popleft()
            yield done, future.result()
    while waiting:
        done, future = waiting.popleft()
        yield done, future.result()
