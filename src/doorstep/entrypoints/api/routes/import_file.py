"""Importing a whole order file over HTTP, any number of rows, answered row by row as NDJSON."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from doorstep.adapters.spreadsheets import Table, read_table
from doorstep.domain.errors import DomainError, InvalidValue
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.intake import RowOut
from doorstep.services.intake.columns import recognise
from doorstep.services.intake.importer import (
    ImportOptions,
    ImportReport,
    RowResult,
    import_batches,
)

router = APIRouter(tags=["order intake"])

NDJSON = "application/x-ndjson"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SUFFIX = {"text/csv": ".csv", "application/csv": ".csv", _XLSX: ".xlsx"}


@router.post(
    "/orders:import-file",
    summary="Import an order file of any size (CSV or .xlsx body); answers NDJSON row by row",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}}}},
)
async def import_file(
    request: Request,
    principal: PrincipalDep,
    c: ContainerDep,
    shipper: Annotated[str, Query(min_length=1, max_length=100)],
    station: Annotated[str | None, Query(description="station for rows without one")] = None,
    default_date: Annotated[date | None, Query(description="day of times-only windows")] = None,
    sheet: Annotated[str | None, Query(description="worksheet of an .xlsx file")] = None,
    mapping: Annotated[
        str | None, Query(description='JSON object: your header -> field, e.g. {"Nro": "ref"}')
    ] = None,
) -> StreamingResponse:
    """The body is the file itself (``Content-Type: text/csv`` or the .xlsx type).

    Each line of the answer is one row's result as in ``/orders:import``; the last line is
    ``{"summary": {...}}``. Batches of 500 rows commit as they go, so a dropped connection
    keeps what was answered, and sending the file again is safe: rows are matched by
    (shipper, reference) and unchanged ones are left alone. No Idempotency-Key is needed.
    """
    path = await _spool(request)
    try:
        table = read_table(path, sheet=sheet)
    except DomainError:
        path.unlink(missing_ok=True)
        raise
    try:
        columns = recognise(table.header, _mapping(mapping))
        options = ImportOptions(shipper, station, default_date, c.timezone(), columns.formats)
        rows = ((number, columns.cells(values)) for number, values in table.rows)
        batches = import_batches(
            principal, rows, options, uow=c.uow(), clock=c.clock, ids=c.ids, checks=c.checks()
        )
    except BaseException:
        _close(table, path)
        raise
    return StreamingResponse(_lines(batches, table, path), media_type=NDJSON)


async def _spool(request: Request) -> Path:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = _SUFFIX.get(kind)
    if suffix is None:
        raise InvalidValue(
            "Content-Type",
            f"send the file as text/csv or as {_XLSX}, not {kind or 'nothing'}",
        )
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as spooled:
        async for chunk in request.stream():
            spooled.write(chunk)
    return Path(spooled.name)


def _mapping(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidValue("mapping", f"is not JSON: {error.msg}") from None
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise InvalidValue("mapping", 'must map headers to field names, e.g. {"Nro": "reference"}')
    return loaded


def _lines(batches: Iterator[list[RowResult]], table: Table, path: Path) -> Iterator[str]:
    report = ImportReport()
    try:
        for results in batches:
            report.rows += results
            yield from (RowOut.of(r).model_dump_json() + "\n" for r in results)
        yield json.dumps({"summary": report.counts}) + "\n"
    except DomainError as error:
        # The status line went out with the first row; the failure is the stream's last line.
        yield json.dumps({"error": str(error), "summary": report.counts}) + "\n"
    finally:
        _close(table, path)


def _close(table: Table, path: Path) -> None:
    table.close()
    path.unlink(missing_ok=True)
