"""``doorstep driver inspect|duty|hours|end-route``: a driver's day without the app.

For the station lead, or a driver whose phone is dead: the same services the driver app calls,
acting as the organisation (``--org``) like every other command.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from doorstep.domain.hours import DutyStatus, RuleSet
from doorstep.domain.inspections import CHECKLIST, Inspection, InspectionKind, ItemResult
from doorstep.entrypoints.api.schemas.driver_route import HoursOut
from doorstep.entrypoints.api.schemas.route_ends import RouteEndOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services import hours, inspections, route_ends

app = typer.Typer(
    help="A driver's day without the app: inspections, duty status, hours, ending the route.",
    no_args_is_help=True,
)

VehicleArg = Annotated[str, typer.Argument(help="The vehicle, by name or id.")]
DriverArg = Annotated[str, typer.Argument(help="The driver, by name or id.")]
DayOption = Annotated[str, typer.Option("--date", help="The service day, YYYY-MM-DD.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the HTTP API's JSON instead.")]
SEVERITIES = ("minor", "unsafe")  # unsafe: the vehicle must not be driven


@app.command("inspect")
def inspect(
    vehicle: VehicleArg,
    day: DayOption,
    kind: Annotated[InspectionKind, typer.Option(help="Before the route or after it.")],
    defect: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ITEM:SEVERITY:NOTE",
            help="A defect found, e.g. tyres:unsafe:flat front left (severity minor or "
            "unsafe); repeat for several. Every other checklist item is answered ok.",
        ),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Record a pre- or post-trip inspection; an unsafe defect grounds the vehicle."""
    items = _answers(defect or [])
    with organisation_scope(org) as s:
        done, record = inspections.inspect(
            s.principal, vehicle, service_day(day), kind, items,
            uow=s.uow(), clock=s.container.clock, ids=s.container.ids,
        )  # fmt: skip
    _show_defects(done)
    if record is not None:
        output.plain(
            f"out of service until maintenance {record.id} is closed: {'; '.join(record.defects)}"
        )
    found = f"{len(done.defects)} defects" if done.defects else "no defects"
    output.done(f"{kind.value.replace('_', '-')} inspection {done.id} recorded: {found}")


@app.command("duty")
def duty(
    driver: DriverArg,
    status: Annotated[DutyStatus, typer.Argument(help="The driver's status from --at on.")],
    at: Annotated[
        str | None,
        typer.Option(help="From when, with its offset, e.g. 2026-11-23T07:00:00+02:00; now."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Record a duty-status change (off duty, on duty, driving), as the app would."""
    given = _instant(at) if at else None
    with organisation_scope(org) as s:
        since = given or s.container.clock.now()
        change = (s.container.ids.new_id("duty"), status, since)
        hours.record_duty(s.principal, driver, [change], uow=s.uow())
    output.done(f"{driver}: {status.value.replace('_', ' ')} from {since.isoformat()}")


@app.command("hours")
def driver_hours(
    driver: DriverArg,
    rules: Annotated[
        RuleSet | None, typer.Option(help="Rule set to judge by; the driver's own if left out.")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="The instant to read the clock at, with its offset; now.")
    ] = None,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Hours of service: driving left, window, break due, warnings and violations."""
    instant = _instant(at) if at else None
    with organisation_scope(org) as s:
        found = hours.hours(
            s.principal, driver, rules, at=instant, uow=s.uow(), now=s.container.clock
        )
    if as_json:
        output.json(HoursOut.of(found))
        return
    c = found.clock
    window = "" if c.window_left_s is None else _hm(c.window_left_s)
    output.details(
        f"Hours of {found.driver.name} at {c.at.isoformat(timespec='minutes')}",
        [
            ("Rules", found.rule_set.value),
            ("Status", c.status.value.replace("_", " ")),
            ("Driven", _hm(c.driving_s)),
            ("Driving left", _hm(c.driving_left_s)),
            ("Window left", window),
            ("Until break", _hm(c.until_break_s)),
            ("Break due", "yes" if c.break_due else "no"),
        ],
    )
    output.table(
        "Findings",
        ["Kind", "Rule", "At", "Message"],
        ([f.kind.value, f.rule.value, f.at.isoformat(timespec="minutes"), f.message]
         for f in found.findings),
    )  # fmt: skip


@app.command("end-route")
def end_route(
    vehicle: VehicleArg,
    day: DayOption,
    odometer_km: Annotated[
        int | None, typer.Option(min=0, help="The odometer reading at the end, in km.")
    ] = None,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """End the vehicle's route after its post-trip inspection (`driver inspect --kind
    post_trip`); lists the parcels still on board, each a missed-scan case until scanned in."""
    with organisation_scope(org) as s:
        ended = route_ends.end_route(
            s.principal, vehicle, service_day(day), odometer_km=odometer_km,
            uow=s.uow(), clock=s.container.clock, ids=s.container.ids,
        )  # fmt: skip
    if as_json:
        output.json(RouteEndOut.of(ended))
        return
    e = ended.end
    if e.on_board:
        output.table("On board", ["Barcode"], ([b] for b in e.on_board))
        output.plain(
            f"{len(e.on_board)} parcels still on board: scan them back in at the station "
            "(each has a missed-scan case until then)"
        )
    if e.maintenance_id:
        output.plain(f"out of service until maintenance {e.maintenance_id} is closed")
    at = e.ended_at.isoformat(timespec="minutes")
    output.done(f"route of {ended.vehicle.name} ended at {at} ({e.id})")


def _answers(defects: list[str]) -> list[ItemResult]:
    """Every checklist item ok, but the ``ITEM:SEVERITY:NOTE`` defects given."""
    found: dict[str, ItemResult] = {}
    for given in defects:
        item, _, rest = given.partition(":")
        severity, _, note = rest.partition(":")
        if severity not in SEVERITIES or not note.strip():
            output.usage_error(
                f"--defect: give ITEM:SEVERITY:NOTE with severity {' or '.join(SEVERITIES)}, "
                f"e.g. tyres:unsafe:flat front left; got {given!r}"
            )
        if item in found:
            output.usage_error(f"--defect: {item} is given twice; describe it once")
        found[item] = ItemResult(item, False, note.strip(), severity == "unsafe")
    # An item not on the checklist was refused above, by ItemResult, naming the list.
    return [found.get(item) or ItemResult(item, True) for item in CHECKLIST]


def _show_defects(done: Inspection) -> None:
    if done.defects:
        output.table(
            "Defects",
            ["Item", "Defect", "Unsafe"],
            ([d.item, d.defect, "yes" if d.unsafe else "no"] for d in done.defects),
        )


def _instant(text: str) -> datetime:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        output.usage_error(f"--at: must be an instant like 2026-11-23T07:00:00+02:00; got {text!r}")
    if found.tzinfo is None:
        output.usage_error(f"--at: give the offset too, e.g. {text}+02:00")
    return found


def _hm(seconds: float) -> str:
    hours_, minutes = divmod(int(seconds) // 60, 60)
    return f"{hours_} h {minutes:02d} min"
