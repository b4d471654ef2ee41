"""Importing order files: every row parsed, checked and saved on its own, in batches.

Rows arrive recognised (``columns.recognise`` maps the file's columns to canonical fields).
Each batch is one transaction, and each row a savepoint inside it: a row that fails is undone
alone and reported with its row number and field, and the others are saved. Rows are matched
to existing orders by (shipper, shipper reference); a row whose content fingerprint is
unchanged is skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from doorstep.domain.errors import Conflict, DomainError
from doorstep.domain.orders import LocationSource, Order, Recipient
from doorstep.domain.permissions import Permission
from doorstep.domain.stations import Station
from doorstep.services import webhooks
from doorstep.services.authorization import Principal, require
from doorstep.services.intake.ahead import AheadChecks
from doorstep.services.intake.checks import OrderChecks, Prechecked, finish, finish_many
from doorstep.services.intake.parsing import (
    Cells,
    Chunk,
    ParsedChunk,
    StationBook,
    parse_chunk,
    parsed_ahead,
)
from doorstep.services.intake.results import (
    ImportOptions,
    ImportReport,
    Outcome,
    RowResult,
)
from doorstep.services.intake.rows import OrderDraft, Problem
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork

# Re-exported: the shells import the import's vocabulary from here.
__all__ = [
    "BATCH_ROWS",
    "MAX_API_ROWS",
    "ImportOptions",
    "ImportReport",
    "Outcome",
    "RowResult",
    "import_batches",
    "import_rows",
]

BATCH_ROWS = 500
# Batches parsed (and checked) in the worker pool while one is saved. Two keep both workers
# of a two-core pool busy when a batch takes the worker longer than the main process.
AHEAD_BATCHES = 2
MAX_API_ROWS = 10_000


def import_rows(
    principal: Principal,
    rows: Iterable[Cells],
    options: ImportOptions,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    checks: OrderChecks,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> ImportReport:
    """Import ``rows`` (number, cells) batch by batch; ``progress`` hears rows done so far.

    With ``executor`` (a process pool) the next batch is parsed there meanwhile, and its
    addresses and contacts checked (``ahead.py``).
    """
    report = ImportReport()
    for results in import_batches(
        principal, rows, options, uow=uow, clock=clock, ids=ids, checks=checks, executor=executor
    ):
        report.rows += results
        if progress is not None:
            progress(len(report.rows))
    return report


def import_batches(
    principal: Principal,
    rows: Iterable[Cells],
    options: ImportOptions,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    checks: OrderChecks,
    executor: Executor | None = None,
) -> Iterator[list[RowResult]]:
    """``import_rows`` one committed batch at a time, for answers that stream (any file size).

    The permission and the default station are checked before the first row is read.
    """
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        book = StationBook(uow.stations.list(principal.organisation_id), options)
    batch = functools.partial(_Batch, principal, options, uow, clock, ids, checks, book)
    ahead = _Ahead.start(checks, executor)
    parse = functools.partial(parse_chunk, options=options, book=book)
    # Lazy: each chunk's ``ahead`` is chosen when it is handed to the pool, after the batches
    # before it were saved.
    jobs = (Chunk(chunk, ahead.next()) for chunk in _batches(rows, BATCH_ROWS))
    chunks = parsed_ahead(jobs, parse, executor, AHEAD_BATCHES)
    return _committed(chunks, batch, uow, ahead)


def _committed(
    chunks: Iterable[tuple[Chunk, ParsedChunk]],
    batch: Callable[[], _Batch],
    uow: UnitOfWork,
    ahead: _Ahead,
) -> Iterator[list[RowResult]]:
    for chunk, parsed in chunks:
        with uow:
            results = batch().run(chunk.rows, parsed)
            uow.commit()
        ahead.saw(results)
        yield results


@dataclass
class _Ahead:
    """Whether the worker checks the next chunk's drafts ahead (``ahead.py``)."""

    checks: AheadChecks | None  # None: no worker beside this process, ``run`` checks inline
    wanted: bool = True

    @classmethod
    def start(cls, checks: OrderChecks, executor: Executor | None) -> _Ahead:
        """What the pool's workers check ahead; with a pool, this process readied to fork
        them (its geocoder shared, its objects frozen)."""
        if executor is None:
            return cls(None)
        ahead = AheadChecks.of(checks)
        ahead.share(checks.geocoder)
        _freeze_before_fork()
        return cls(ahead)

    def next(self) -> AheadChecks | None:
        return self.checks if self.wanted else None

    def saw(self, results: Sequence[RowResult]) -> None:
        """Only created and updated rows are checked. When most rows of a batch were neither
        (a file imported again comes back unchanged), the chunks after it are only parsed,
        until a batch has mostly new or changed rows again: checks done ahead for nothing
        would make the worker the slower side. What is not checked ahead ``run`` checks."""
        checked = sum(r.outcome in _CHECKED for r in results)
        self.wanted = 2 * checked >= len(results)


_CHECKED = (Outcome.CREATED, Outcome.UPDATED)


def _freeze_before_fork() -> None:
    """Keep the cyclic garbage collector off the objects alive now, for good.

    The pool's workers are forked from this process, and Python's documentation advises to
    freeze right before: the workers' collections then skip (and do not copy) the pages they
    share with it. It spares this process too: the address index (400,000 objects for
    135,000 addresses) is never garbage, yet each full collection, set off by the orders and
    results the import keeps, walked all of it (0.15 to 0.3 s each, in all a fifth of a
    10,000-row import in ``bench/intake.py``). Not thawed after the import: thawing sets off
    a full collection soon after. Only imports given a worker pool freeze (the CLI's, a
    process that ends with the import); the API's imports run without one.
    """
    gc.freeze()


@dataclass
class _Batch:
    principal: Principal
    options: ImportOptions
    uow: UnitOfWork
    clock: Clock
    ids: IdGenerator
    checks: OrderChecks
    stations: StationBook

    def run(self, batch: Sequence[Cells], parsed: ParsedChunk) -> list[RowResult]:
        results: dict[int, RowResult] = {}
        drafts: list[tuple[OrderDraft, Station | None]] = []
        for (number, _), row in zip(batch, parsed.rows, strict=True):
            if isinstance(row, RowResult):
                results[number] = row
            else:
                drafts.append(row)
        org = self.principal.organisation_id
        existing = self.uow.orders.by_references(org, [(d.shipper, d.reference) for d, _ in drafts])
        owners: dict[str, str] = self.uow.orders.barcode_owners(
            org, [p.barcode for d, _ in drafts for p in d.parcels]
        )
        pending: list[tuple[OrderDraft, Order, Order | None]] = []
        seen: dict[tuple[str, str], int] = {}
        for draft, station in drafts:
            key = (draft.shipper, draft.reference)
            if key in seen:
                results[draft.row] = _rejected(
                    draft,
                    "reference",
                    f"repeats the reference of row {seen[key]}",
                    "give each order its own reference, or merge the two rows",
                )
                continue
            seen[key] = draft.row
            current = existing.get(key)
            if current is not None and current.fingerprint == draft.fingerprint:
                results[draft.row] = RowResult(
                    draft.row,
                    draft.reference,
                    Outcome.UNCHANGED,
                    current.id,
                    current.status,
                    flags=current.flags,
                )
                continue
            outcome = self._order(draft, station, current, owners)
            if isinstance(outcome, RowResult):
                results[draft.row] = outcome
            else:
                # Later rows of the same batch must see these barcodes as taken.
                owners.update((p.barcode, outcome.id) for p in outcome.parcels)
                pending.append((draft, outcome, current))
        # One batch of geocoding and road questions for all new and changed orders.
        ahead: dict[str, Prechecked] = {
            order.id: parsed.ahead[draft.row]
            for draft, order, _ in pending
            if draft.row in parsed.ahead
        }
        self.checks.run([order for _, order, _ in pending], self.stations.by_id, ahead)
        created = [(draft, order) for draft, order, current in pending if current is None]
        if self._add_all(created):
            results.update((d.row, self._result(d, o, None)) for d, o in created)
            pending = [p for p in pending if p[2] is not None]
        for draft, order, current in pending:
            results[draft.row] = self._save(draft, order, current)
        return [results[number] for number, _ in batch]

    def _add_all(self, created: Sequence[tuple[OrderDraft, Order]]) -> bool:
        """Save the batch's new orders together; False (nothing saved) if any of them fails,
        and the caller saves them one by one so that only the failing rows are rejected."""
        orders = [order for _, order in created]
        try:
            with self.uow.savepoint():
                finish_many(orders, self.uow, self.clock.now())
                self.uow.orders.add_many(orders)
                org = self.principal.organisation_id
                webhooks.publish_created(self.uow, org, orders, self.clock.now())
        except Conflict:
            return False
        return True

    def _order(
        self,
        draft: OrderDraft,
        station: Station | None,
        current: Order | None,
        owners: Mapping[str, str],
    ) -> Order | RowResult:
        """The order the row describes, new or updated, before checks; or why it cannot be."""
        taken = sorted(
            p.barcode
            for p in draft.parcels
            if owners.get(p.barcode) not in (None, current.id if current else None)
        )
        if taken:
            return _rejected(
                draft,
                "barcode",
                f"barcodes already belong to other orders: {', '.join(taken)}",
                "give this order's parcels their own barcodes",
            )
        now = self.clock.now()
        try:
            values = _values(draft, station)
            if current is None:
                order = Order(
                    id=self.ids.new_id("ord"),
                    organisation_id=self.principal.organisation_id,
                    created_at=now,
                    **values,
                )
                if order.location is not None:
                    order.location_source = LocationSource.GIVEN
                return order
            if not current.editable:
                return _rejected(
                    draft,
                    "reference",
                    f"order {current.id} is {current.status.value}: the station has it, so "
                    "the file can no longer change it",
                    "change it in the dispatch screen, or cancel and send a new order",
                )
            return _updated(current, values, now)
        except DomainError as error:
            name = getattr(error, "field", None) or ""
            return _rejected(draft, name, str(error), "correct the value in the file")

    def _save(self, draft: OrderDraft, order: Order, current: Order | None) -> RowResult:
        try:
            with self.uow.savepoint():
                finish(order, self.uow, self.clock.now())
                if current is None:
                    self.uow.orders.add(order)
                    org = self.principal.organisation_id
                    webhooks.publish_created(self.uow, org, [order], self.clock.now())
                else:
                    self.uow.orders.update(order)
        except Conflict as error:
            return _rejected(draft, error.field or "", str(error), "import the row again")
        return self._result(draft, order, current)

    def _result(self, draft: OrderDraft, order: Order, current: Order | None) -> RowResult:
        if current is None:
            return RowResult(
                draft.row,
                draft.reference,
                Outcome.CREATED,
                order.id,
                order.status,
                flags=order.flags,
            )
        return RowResult(
            draft.row,
            draft.reference,
            Outcome.UPDATED,
            order.id,
            order.status,
            changed=_changed(current, order),
            flags=order.flags,
        )


# The fields a row sets; everything else (status, history, fixes) belongs to the order's life.
_ROW_FIELDS = (
    "shipper",
    "shipper_reference",
    "kind",
    "station_id",
    "recipient",
    "address",
    "location",
    "service_date",
    "time_windows",
    "service_duration_s",
    "parcels",
    "priority",
    "required_skills",
    "proof",
    "access_notes",
    "fingerprint",
)


def _values(draft: OrderDraft, station: Station | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "shipper": draft.shipper,
        "shipper_reference": draft.reference,
        "kind": draft.kind,
        "station_id": station.id if station else None,
        "recipient": Recipient(draft.name, draft.phone, draft.email),
        "address": draft.address,
        "location": draft.location,
        "service_date": draft.service_date,
        "time_windows": draft.time_windows,
        "parcels": draft.parcels,
        "priority": draft.priority,
        "required_skills": draft.skills,
        "proof": draft.proof,
        "access_notes": draft.notes,
        "fingerprint": draft.fingerprint,
    }
    if draft.service_duration_s is not None:
        values["service_duration_s"] = draft.service_duration_s
    return values


def _updated(current: Order, values: Mapping[str, Any], now: datetime) -> Order:
    """The current order with the row's values.

    While the address and the given coordinates stay the same, the order keeps where it was
    placed (by the geocoder or by a person) and the flags a person accepted; a new place
    starts afresh.
    """
    order = dataclasses.replace(current, **values, updated_at=now, history=list(current.history))
    given = values.get("location")
    moved = current.address != order.address or (given is not None and given != current.location)
    if not moved:
        order.location = current.location if given is None else given
        return order
    order.location_source = LocationSource.GIVEN if given is not None else None
    order.geocode = None
    order.acknowledged = frozenset()
    return order


def _changed(before: Order, after: Order) -> tuple[str, ...]:
    return tuple(
        name
        for name in _ROW_FIELDS
        if name != "fingerprint" and getattr(before, name) != getattr(after, name)
    )


def _rejected(draft: OrderDraft, name: str, message: str, fix: str) -> RowResult:
    return RowResult(
        draft.row, draft.reference, Outcome.REJECTED, problems=(Problem(name, message, fix),)
    )


def _batches(rows: Iterable[Cells], size: int) -> Iterator[list[Cells]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
