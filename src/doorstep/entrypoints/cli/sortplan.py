"""``doorstep station sortplan``: the published day's sort plan as CSV, labels and a sheet."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from doorstep.adapters.labels import write_labels, write_sheet
from doorstep.adapters.spreadsheets import write_table
from doorstep.domain.sorting import SortLine
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services import sorting

HEADER = (
    "lane", "position", "load_index", "vehicle", "barcode", "order_id", "shipper_reference",
    "recipient", "address", "planned", "stops_on_route",
)  # fmt: skip


def sortplan(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    out: Annotated[
        Path, typer.Option(help="Folder for the CSV, the labels PDF and the sheet PDF.")
    ] = Path("."),
    org: OrgOption = None,
) -> None:
    """Write the published plan's sort plan: which lane and stop each parcel goes to."""
    service_date = service_day(day)
    with organisation_scope(org) as s:
        plan = sorting.sort_plan(s.principal, station, service_date, uow=s.uow())
    if not plan.lines:
        output.fail(f"the published plan of {plan.station.code} on {day} has no parcels to sort")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{plan.station.code}-{service_date.isoformat()}"
    csv_path, labels, sheet = (
        out / f"sortplan-{stem}.csv", out / f"labels-{stem}.pdf", out / f"sortplan-{stem}.pdf"
    )  # fmt: skip
    write_table(csv_path, HEADER, (_row(line) for line in plan.lines))
    title = f"Sort plan {plan.station.code} {service_date.isoformat()} (plan {plan.version.number})"
    with labels.open("wb") as handle:
        write_labels(plan.lines, handle, title=title)
    with sheet.open("wb") as handle:
        pages = write_sheet(plan.lines, handle, title=title)
    per_lane = Counter((line.assignment.lane, line.vehicle_name) for line in plan.lines)
    output.table(
        title,
        ["Lane", "Vehicle", "Parcels"],
        ([lane, vehicle, count] for (lane, vehicle), count in sorted(per_lane.items())),
    )
    output.done(
        f"{len(plan.lines)} parcels: {csv_path}, {labels} ({len(plan.lines)} labels), "
        f"{sheet} ({pages} pages)"
    )


def _row(line: SortLine) -> list[object]:
    a = line.assignment
    return [
        a.lane, a.position, a.load_index, line.vehicle_name, a.barcode, a.order_id,
        line.shipper_reference, line.recipient_name, line.address, line.window,
        line.stops_on_route,
    ]  # fmt: skip
