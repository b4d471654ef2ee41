"""``doorstep orders import`` and ``doorstep orders attention``: order files in, bad data fixed."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from doorstep.adapters.spreadsheets import read_table, total_rows
from doorstep.domain.errors import InvalidValue
from doorstep.domain.flags import FlagCode
from doorstep.domain.geo import Location
from doorstep.domain.order_fixes import OrderFix
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order
from doorstep.entrypoints.api.schemas.intake import ImportOut
from doorstep.entrypoints.api.schemas.orders import OrderOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import OrgOption, Scope, organisation_scope
from doorstep.entrypoints.cli.stations import lookup, resolve
from doorstep.services import orders
from doorstep.services.intake import attention
from doorstep.services.intake.columns import Field, recognise
from doorstep.services.intake.importer import ImportOptions, ImportReport, Outcome, import_rows
from doorstep.services.ports import OrderFilter

# Past this many lines the report goes to --report; a screen of 10,000 rows helps nobody.
_SHOWN = 200

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON as the HTTP API answers.")]
OrderId = Annotated[str, typer.Argument(metavar="ID", help="The order's id, e.g. ord_1f3c...")]
Note = Annotated[str, typer.Option(help="Why; kept with the fix.")]


def import_orders(
    file: Annotated[
        Path, typer.Argument(help="Orders as .csv (comma, semicolon or tab) or .xlsx.")
    ],
    station: Annotated[
        str | None, typer.Option(help="Station code for rows without a station column.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="YAML file: column header in your file -> doorstep field name."),
    ] = None,
    shipper: Annotated[
        str | None,
        typer.Option(
            help="Who sends the orders; references are unique per shipper. "
            "The organisation's slug if left out."
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="Day of windows given as times only (YYYY-MM-DD)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Worksheet of an .xlsx file.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write every row's result to this CSV file.")
    ] = None,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Import orders; the same file again changes nothing, a changed row updates its order."""
    columns_map = _mapping(mapping)
    default_date = _date(day)
    with read_table(file, sheet=sheet) as table, organisation_scope(org) as s:
        columns = recognise(table.header, columns_map)
        for ignored in columns.ignored:
            output.note(f"column {ignored.header!r} is not used (map it with --mapping)")
        options = ImportOptions(
            shipper=shipper or s.slug,
            station=station,
            default_date=default_date,
            timezone=s.container.timezone(),
            formats=columns.formats,
        )
        rows = ((number, columns.cells(values)) for number, values in table.rows)
        result = _run(s, rows, options, total_rows(file, sheet=sheet), quiet=as_json)
    if report is not None:
        _write_report(report, result)
    if as_json:
        output.json(ImportOut.of(result))
    else:
        _show_report(result, written=report)
    rejected = result.counts[Outcome.REJECTED.value]
    if rejected:
        output.fail(
            f"{rejected} of {len(result.rows)} rows were rejected and the others saved; fix "
            "those rows and import the file again (saved rows are not duplicated)"
        )


def _run(
    s: Scope,
    rows: Iterator[tuple[int, Mapping[Field, Any]]],
    options: ImportOptions,
    total: int | None,
    *,
    quiet: bool,
) -> ImportReport:
    c = s.container
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=output.errors(),
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("rows", total=total)
        return import_rows(
            s.principal,
            rows,
            options,
            uow=s.uow(),
            clock=c.clock,
            ids=c.ids,
            checks=c.checks(),
            progress=lambda done: progress.update(task, completed=done),
            executor=c.executor(),
        )


def _mapping(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        output.usage_error(f"cannot read mapping {path}: {error}")
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        output.usage_error(
            f"{path} must map column headers to field names, e.g. 'Asiakasnumero: reference'"
        )
    return loaded


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("--date", f"must be a day like 2026-11-21, got {text!r}") from None


def _lines(result: ImportReport) -> Iterator[list[object]]:
    """One line per problem or flag; rows with neither (and unchanged ones) stay quiet."""
    for r in result.rows:
        for p in r.problems:
            yield [r.row, r.reference, r.outcome.value, p.field, p.message, p.fix]
        for f in r.flags:
            outcome = f"{r.outcome.value}, {f.severity.value}"
            yield [r.row, r.reference, outcome, f.field, f"{f.code.value}: {f.message}", f.fix]
        if r.changed:
            yield [r.row, r.reference, r.outcome.value, ", ".join(r.changed), "changed", ""]


def _show_report(result: ImportReport, *, written: Path | None) -> None:
    lines = list(_lines(result))
    if lines:
        output.table(
            "Rows that need a look",
            ["Row", "Reference", "Result", "Field", "Problem", "Fix"],
            lines[:_SHOWN],
        )
        if len(lines) > _SHOWN:
            where = f"all are in {written}" if written else "use --report FILE to see all"
            output.note(f"{len(lines) - _SHOWN} more lines not shown; {where}")
    counts = result.counts
    output.plain(
        "Summary: "
        + ", ".join(
            f"{counts[name]} {name.replace('_', ' ')}"
            for name in ("created", "updated", "unchanged", "needs_attention", "rejected")
        )
    )


def _write_report(path: Path, result: ImportReport) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["row", "reference", "result", "order_id", "status", "field", "problem", "fix"]
        )
        for r in result.rows:
            status = r.status.value if r.status else ""
            details = [(p.field, p.message, p.fix) for p in r.problems] + [
                (f.field, f"{f.code.value} ({f.severity.value}): {f.message}", f.fix)
                for f in r.flags
            ]
            for field, problem, fix in details or [("", "", "")]:
                writer.writerow(
                    [
                        r.row,
                        r.reference,
                        r.outcome.value,
                        r.order_id or "",
                        status,
                        field,
                        problem,
                        fix,
                    ]
                )


# -- the needs-attention queue ---------------------------------------------------------------

queue = typer.Typer(
    help="Orders held for a person: list them, look, fix, check again and release.",
    no_args_is_help=True,
)


@queue.command("list")
def attention_list(
    flag: Annotated[FlagCode | None, typer.Option(help="Only orders with this flag.")] = None,
    station: Annotated[str | None, typer.Option(help="Only this station's, by code.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=orders.MAX_PAGE, help="Most orders to show.")
    ] = 50,
    cursor: Annotated[str | None, typer.Option(help="Where the previous page ended.")] = None,
    org: OrgOption = None,
) -> None:
    """Orders in needs_attention, oldest first, with what holds them."""
    with organisation_scope(org) as s:
        index = lookup(s)
        where = OrderFilter(
            statuses=frozenset({OrderStatus.NEEDS_ATTENTION}),
            station_id=resolve(index, station, "--station").id if station else None,
            flag=flag,
        )
        page = orders.list_orders(s.principal, where, cursor=cursor, limit=limit, uow=s.uow())
    output.table(
        "Needs attention",
        ["Id", "Reference", "Address", "Flags"],
        (
            [
                o.id,
                o.shipper_reference,
                o.address.as_given,
                ", ".join(f.code.value for f in o.blocking_flags) or "no location",
            ]
            for o in page.orders
        ),
    )
    if page.next_cursor:
        output.note(f"more orders: add --cursor {page.next_cursor}")


@queue.command("show")
def attention_show(order_id: OrderId, as_json: JsonFlag = False, org: OrgOption = None) -> None:
    """An order's flags, the geocoder's candidates and the fixes made so far."""
    with organisation_scope(org) as s:
        order = orders.get_order(s.principal, order_id, uow=s.uow())
        found = attention.candidates(
            s.principal, order_id, uow=s.uow(), checks=s.container.checks()
        )
        done = attention.fixes(s.principal, order_id, uow=s.uow())
    if as_json:
        output.json(OrderOut.of(order))
        return
    show_flags(order)
    output.table(
        "Candidates (choose one with: doorstep orders attention choose ID N)",
        ["N", "Address", "Lat", "Lon", "Confidence", "Level"],
        (
            [
                i,
                c.label,
                f"{c.location.lat:.6f}",
                f"{c.location.lon:.6f}",
                f"{c.confidence:.0%}",
                c.level.value,
            ]
            for i, c in enumerate(found)
        ),
    )
    if done:
        _show_fixes("Fixes", done)


def show_flags(order: Order) -> None:
    where = f"{order.location.lat:.6f}, {order.location.lon:.6f}" if order.location else "none"
    source = order.location_source.value if order.location_source else "-"
    output.details(
        f"Order {order.id} ({order.status.value})",
        [("Address", order.address.as_given), ("Location", f"{where} ({source})")],
    )
    output.table(
        "Flags",
        ["Flag", "Severity", "Field", "Problem", "Fix"],
        (
            [
                f.code.value,
                "accepted" if f.code in order.acknowledged else f.severity.value,
                f.field,
                f.message,
                f.fix,
            ]
            for f in order.flags
        ),
    )


def _fix(order_id: str, fix: attention.Fix, note: str, org: str | None) -> None:
    with organisation_scope(org) as s:
        c = s.container
        order = attention.fix_order(
            s.principal,
            order_id,
            fix,
            note=note,
            uow=s.uow(),
            clock=c.clock,
            ids=c.ids,
            checks=c.checks(),
        )
    output.done(f"order {order.id} is {order.status.value}")
    if order.flags:
        show_flags(order)


@queue.command("choose")
def attention_choose(
    order_id: OrderId,
    candidate: Annotated[int, typer.Argument(help="Candidate number from `attention show`.")],
    note: Note = "",
    org: OrgOption = None,
) -> None:
    """Place the order at one of the geocoder's candidates."""
    _fix(order_id, attention.ChooseCandidate(candidate), note, org)


@queue.command("pin")
def attention_pin(
    order_id: OrderId,
    lat: Annotated[float, typer.Argument(help="Latitude, WGS 84 degrees.")],
    lon: Annotated[float, typer.Argument(help="Longitude, WGS 84 degrees.")],
    note: Note = "",
    org: OrgOption = None,
) -> None:
    """Place the order's pin by hand (at the door, not the building's middle)."""
    _fix(order_id, attention.MovePin(Location(lat, lon)), note, org)


@queue.command("edit")
def attention_edit(
    order_id: OrderId,
    address: Annotated[str | None, typer.Option(help="The corrected address.")] = None,
    unit: Annotated[str | None, typer.Option(help="Staircase and flat, e.g. 'A 12'.")] = None,
    phone: Annotated[str | None, typer.Option(help="The recipient's phone.")] = None,
    email: Annotated[str | None, typer.Option(help="The recipient's e-mail.")] = None,
    station: Annotated[str | None, typer.Option(help="Serving station, by code.")] = None,
    note: Note = "",
    org: OrgOption = None,
) -> None:
    """Correct an order's data; the checks run again at once."""
    with organisation_scope(org) as s:
        current = orders.get_order(s.principal, order_id, uow=s.uow())
        changes: dict[str, Any] = {}
        if address is not None or unit is not None:
            changes["address"] = dataclasses.replace(
                current.address,
                as_given=address if address is not None else current.address.as_given,
                street="" if address is not None else current.address.street,
                house_number="" if address is not None else current.address.house_number,
                unit=unit if unit is not None else current.address.unit,
            )
        if phone is not None or email is not None:
            changes["recipient"] = dataclasses.replace(
                current.recipient,
                phone=phone if phone is not None else current.recipient.phone,
                email=email if email is not None else current.recipient.email,
            )
        if station is not None:
            changes["station_id"] = resolve(lookup(s), station, "--station").id
    if not changes:
        output.usage_error("nothing to change: pass at least one option (see --help)")
    _fix(order_id, attention.Edit(changes), note, org)


@queue.command("recheck")
def attention_recheck(order_id: OrderId, note: Note = "", org: OrgOption = None) -> None:
    """Run the checks again (after the station's area or the region changed)."""
    _fix(order_id, attention.Recheck(), note, org)


@queue.command("release")
def attention_release(order_id: OrderId, note: Note = "", org: OrgOption = None) -> None:
    """Release to ready, accepting the blocking flags still open (say why with --note)."""
    _fix(order_id, attention.Release(), note, org)


@queue.command("fixes")
def attention_fixes(order_id: OrderId, org: OrgOption = None) -> None:
    """Who fixed what on an order, oldest first."""
    with organisation_scope(org) as s:
        done = attention.fixes(s.principal, order_id, uow=s.uow())
    _show_fixes(f"Fixes of {order_id}", done)


def _show_fixes(title: str, done: Sequence[OrderFix]) -> None:
    output.table(
        title,
        ["At", "Who", "Action", "Changes", "Note"],
        (
            [
                f.at.isoformat(timespec="seconds"),
                f.actor,
                f.action.value,
                "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in f.changes.items()),
                f.note,
            ]
            for f in done
        ),
    )
