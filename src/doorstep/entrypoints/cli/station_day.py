"""``doorstep station sortplan|receiving|day-end``: the station's day on paper and in counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from doorstep.adapters.labels import write_labels, write_sheet
from doorstep.adapters.spreadsheets import write_table
from doorstep.domain.reconciliation import Whereabouts
from doorstep.domain.sorting import SortLine
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services import loadout, reconciliation, sorting

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


def receiving(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    org: OrgOption = None,
) -> None:
    """Each shipper's parcels of the day against what was scanned in; then the unexpected."""
    with organisation_scope(org) as s:
        report = reconciliation.receiving_report(
            s.principal, station, service_day(day), uow=s.uow()
        )
    r = report.receiving
    output.table(
        f"Receiving at {report.station.code} on {day}",
        ["Shipper", "Expected", "Received", "Missing", "Damaged"],
        (
            [m.shipper, m.expected, len(m.received), len(m.missing), len(m.damaged)]
            for m in r.manifests
        ),
    )
    missing = [(m.shipper, e) for m in r.manifests for e in m.missing]
    if missing:
        output.table(
            "Missing",
            ["Shipper", "Barcode", "Reference", "Order"],
            ([shipper, e.barcode, e.shipper_reference, e.order_id] for shipper, e in missing),
        )
    if r.unexpected:
        output.table("Unexpected", ["Barcode", "Why"], ([b, why] for b, why in r.unexpected))


def day_end(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    org: OrgOption = None,
) -> None:
    """Every parcel of the day by where it is; exits 1 while any is unaccounted for."""
    with organisation_scope(org) as s:
        report = reconciliation.day_end_report(s.principal, station, service_day(day), uow=s.uow())
    end = report.day_end
    output.table(
        f"Day end at {report.station.code} on {day}",
        ["Where", "Parcels"],
        ([w.value.replace("_", " "), end.count(w)] for w in Whereabouts),
    )
    if end.unaccounted:
        output.table(
            "Unaccounted for",
            ["Barcode", "Shipper", "Reference", "Order"],
            ([e.barcode, e.shipper, e.shipper_reference, e.order_id] for e in end.unaccounted),
        )
        output.fail(f"{len(end.unaccounted)} parcels unaccounted for")
    output.done("every parcel of the day is accounted for")


def close_day(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    org: OrgOption = None,
) -> None:
    """Failed deliveries back into planning on the next delivery day, or to the sender."""
    with organisation_scope(org) as s:
        closed = reconciliation.close_day(
            s.principal, station, service_day(day), uow=s.uow(), clock=s.container.clock
        )
    output.table(
        f"Closing {closed.station.code} on {day}",
        ["Order", "Failed attempts", "Now"],
        (
            [
                r.order_id,
                r.attempts,
                "returned to sender" if r.returned else f"planned {closed.next_day}",
            ]
            for r in closed.retried
        ),
    )
    if closed.unaccounted:
        output.note(f"{len(closed.unaccounted)} parcels unaccounted for: see `station day-end`")
    output.done(f"{len(closed.retried)} failed deliveries handled")


def load_out(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    vehicle: Annotated[str, typer.Option(help="The vehicle, by name or id.")],
    org: OrgOption = None,
) -> None:
    """The vehicle's parcels in load order (last stop first), each loaded or still missing."""
    with organisation_scope(org) as s:
        found = loadout.load_out(s.principal, station, service_day(day), vehicle, uow=s.uow())
    output.table(
        f"Load-out of {found.vehicle.name} on {day}",
        ["Load #", "Barcode", "Lane", "Stop", "Status"],
        (
            [i.assignment.load_index, i.assignment.barcode, i.assignment.lane,
             i.assignment.position, "loaded" if i.loaded else f"MISSING ({i.status.value})"]
            for i in found.list.items
        ),
    )  # fmt: skip
    if found.departure is not None:
        output.note(f"departed at {found.departure.departed_at.isoformat(timespec='minutes')}")
    elif found.list.missing:
        output.note(f"{len(found.list.missing)} parcels still to load")


def depart(
    station: Annotated[str, typer.Option(help="The station, by code (HEL1) or id.")],
    day: Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")],
    vehicle: Annotated[str, typer.Option(help="The vehicle, by name or id.")],
    override: Annotated[
        str, typer.Option(help="Why it leaves without parcels that are not loaded (recorded).")
    ] = "",
    org: OrgOption = None,
) -> None:
    """The vehicle leaves: its loaded parcels go out for delivery."""
    with organisation_scope(org) as s:
        departure = loadout.depart(
            s.principal, station, service_day(day), vehicle, override_reason=override,
            uow=s.uow(), clock=s.container.clock, ids=s.container.ids,
        )  # fmt: skip
    left = f", {len(departure.missing)} left behind" if departure.missing else ""
    output.done(f"departed with {len(departure.loaded)} parcels{left} ({departure.id})")


def _row(line: SortLine) -> list[object]:
    a = line.assignment
    return [
        a.lane, a.position, a.load_index, line.vehicle_name, a.barcode, a.order_id,
        line.shipper_reference, line.recipient_name, line.address, line.window,
        line.stops_on_route,
    ]  # fmt: skip
