"""``doorstep orders``: create, find, show, change, reschedule and cancel orders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import typer

from doorstep.domain.order_status import OrderStatus
from doorstep.domain.orders import Order, OrderKind, Priority, ProofKind
from doorstep.entrypoints.api.schemas.orders import (
    CancelIn,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrderPatch,
    RescheduleIn,
    RescheduleOut,
)
from doorstep.entrypoints.cli import intake, output, sample
from doorstep.entrypoints.cli.records import Layout, Span, rejecting, span_parser
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.entrypoints.cli.stations import lookup, resolve
from doorstep.services import orders, reschedule
from doorstep.services.ports import OrderFilter

app = typer.Typer(help="Create, find, show, change and cancel orders.", no_args_is_help=True)

ORDER = Layout(
    {
        "shipper": ("shipper",),
        "ref": ("shipper_reference",),
        "kind": ("kind",),
        "station": ("station_id",),
        "recipient": ("recipient", "name"),
        "recipient_phone": ("recipient", "phone"),
        "recipient_email": ("recipient", "email"),
        "address": ("address", "as_given"),
        "lat": ("location", "lat"),
        "lon": ("location", "lon"),
        "window": ("time_windows",),
        "parcel": ("parcels",),
        "service_s": ("service_duration_s",),
        "priority": ("priority",),
        "proof": ("proof", "kind"),
        "minimum_age": ("proof", "minimum_age_years"),
        "access_notes": ("access_notes",),
    }
)

CANCEL = Layout({"reason": ("reason",)})
RESCHEDULE = Layout({"date": ("date",), "window": ("window",)})

OrderId = Annotated[str, typer.Argument(metavar="ID", help="The order's id, e.g. ord_1f3c...")]
JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print the HTTP API's JSON instead of a table.")
]
Station = Annotated[str | None, typer.Option(help="Serving station, by code or id.")]
Lat = Annotated[float | None, typer.Option(help="Latitude of the delivery point, WGS 84 degrees.")]
Lon = Annotated[float | None, typer.Option(help="Longitude of the delivery point, WGS 84 degrees.")]
Priority_ = Annotated[
    Priority | None, typer.Option("--priority", help="How urgent the order is; normal if left out.")
]


@app.command("add")
def add(
    shipper: Annotated[str, typer.Option(help="Who sends the order, e.g. the web shop's name.")],
    ref: Annotated[str, typer.Option(help="The shipper's own reference; unique per shipper.")],
    recipient: Annotated[str, typer.Option(help="Recipient's name.")],
    address: Annotated[str, typer.Option(help="Delivery address as written by the shipper.")],
    station: Station = None,
    lat: Lat = None,
    lon: Lon = None,
    window: Annotated[
        list[Span] | None,
        typer.Option(
            metavar="START/END",
            parser=span_parser("/", "2026-11-21T09:00+02:00/2026-11-21T12:00+02:00"),
            help="Delivery window: two ISO 8601 times with offset, START/END; repeat for more.",
        ),
    ] = None,
    parcel: Annotated[
        list[str] | None,
        typer.Option(
            metavar="BARCODE[:WEIGHT_KG]",
            help="A parcel's barcode and optional weight; repeat for each.",
        ),
    ] = None,
    recipient_phone: Annotated[
        str | None, typer.Option(help="Recipient's phone, for the driver.")
    ] = None,
    service_s: Annotated[
        int | None, typer.Option(help="Seconds spent at the door; 120 if left out.")
    ] = None,
    priority: Priority_ = None,
    proof: Annotated[
        ProofKind | None, typer.Option(help="Proof of delivery the driver must capture.")
    ] = None,
    minimum_age: Annotated[
        int | None, typer.Option(help="Age to check, with --proof minimum_age.")
    ] = None,
    kind: Annotated[
        OrderKind | None,
        typer.Option(help="Delivery, or pickup for a return; delivery if left out."),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Create an order; it is ready with a station and a location, else it needs attention."""
    flat = {
        "shipper": shipper,
        "ref": ref,
        "kind": kind,
        "station": station,
        "recipient": recipient,
        "recipient_phone": recipient_phone,
        "address": address,
        "lat": lat,
        "lon": lon,
        "window": [{"start_at": w.start, "end_at": w.end} for w in window or ()] or None,
        "parcel": [_parcel(p) for p in parcel or ()] or None,
        "service_s": service_s,
        "priority": priority,
        "proof": proof,
        "minimum_age": minimum_age,
    }
    with organisation_scope(org) as s, rejecting(ORDER.option):
        fields = ORDER.read(OrderIn, flat).domain_fields()
        c = s.container
        order = orders.create_order(
            s.principal, fields, uow=s.uow(), clock=c.clock, ids=c.ids, checks=c.checks()
        )
    output.done(f"order {order.id} created: {order.status.value}")
    if order.flags:
        intake.show_flags(order)


def _parcel(text: str) -> dict[str, str]:
    """BARCODE or BARCODE:WEIGHT_KG; the weight is checked by the API model like any other."""
    barcode, found, weight = text.rpartition(":")
    return {"barcode": barcode, "weight_kg": weight} if found else {"barcode": text}


@app.command("list")
def list_(
    status: Annotated[
        list[OrderStatus] | None,
        typer.Option(help="Only orders in this status; repeat for several."),
    ] = None,
    station: Annotated[
        str | None, typer.Option(help="Only this station's orders, by code or id.")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=orders.MAX_PAGE, help="Most orders to show.")
    ] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="Where the previous page ended, as printed under it.")
    ] = None,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """List orders, oldest first, one page at a time."""
    with organisation_scope(org) as s:
        index = lookup(s)
        where = OrderFilter(
            statuses=frozenset(status or ()),
            station_id=resolve(index, station, "--station").id if station else None,
        )
        page = orders.list_orders(s.principal, where, cursor=cursor, limit=limit, uow=s.uow())
    if as_json:
        items = [OrderOut.of(o) for o in page.orders]
        output.json(OrderPageOut(items=items, next_cursor=page.next_cursor))
    else:
        _render_page(page, {st.id: st.code for st in index.values()})


def _render_page(page: orders.OrderPage, codes: Mapping[str, str]) -> None:
    output.table(
        "Orders",
        ["Id", "Status", "Shipper / ref", "Recipient", "Address", "Station", "Parcels"],
        (
            [
                o.id,
                o.status.value,
                f"{o.shipper} / {o.shipper_reference}",
                o.recipient.name,
                o.address.as_given,
                codes.get(o.station_id or "", o.station_id),
                len(o.parcels),
            ]
            for o in page.orders
        ),
    )
    if page.next_cursor:
        output.note(f"more orders: add --cursor {page.next_cursor}")


@app.command("show")
def show(order_id: OrderId, as_json: JsonFlag = False, org: OrgOption = None) -> None:
    """Show one order with its parcels, windows and status history."""
    with organisation_scope(org) as s:
        order = orders.get_order(s.principal, order_id, uow=s.uow())
    if as_json:
        output.json(OrderOut.of(order))
        return
    output.details(f"Order {order.id}", _summary(order))
    if order.flags:
        intake.show_flags(order)
    output.table(
        "History",
        ["At", "From", "To", "Reason"],
        (
            [h.at.isoformat(timespec="seconds"), h.from_status.value, h.to_status.value, h.reason]
            for h in order.history
        ),
    )


def _summary(o: Order) -> list[tuple[str, object]]:
    location = f"{o.location.lat}, {o.location.lon}" if o.location else "unknown"
    windows = "; ".join(
        f"{w.start_at.isoformat()} - {w.end_at.isoformat()}" for w in o.time_windows
    )
    parcels = ", ".join(f"{p.barcode} ({p.weight_kg:g} kg)" for p in o.parcels)
    recipient = " ".join(filter(None, (o.recipient.name, o.recipient.phone, o.recipient.email)))
    return [
        ("Status", o.status.value),
        ("Kind", o.kind.value),
        ("Shipper", f"{o.shipper} / {o.shipper_reference}"),
        ("Station", o.station_id or "none"),
        ("Recipient", recipient),
        ("Address", o.address.as_given),
        ("Location", location),
        ("Windows", windows or "any time"),
        ("Parcels", parcels or "none"),
        ("Service", f"{o.service_duration_s} s"),
        ("Priority", o.priority.value),
        ("Proof", o.proof.kind.value),
        ("Access notes", o.access_notes),
        ("Created", o.created_at.isoformat(timespec="seconds")),
    ]


@app.command("update")
def update(
    order_id: OrderId,
    recipient_phone: Annotated[
        str | None, typer.Option(help="New phone number of the recipient.")
    ] = None,
    access_notes: Annotated[
        str | None, typer.Option(help="New notes for the driver: door code, where to go.")
    ] = None,
    priority: Priority_ = None,
    lat: Lat = None,
    lon: Lon = None,
    station: Station = None,
    org: OrgOption = None,
) -> None:
    """Change an order; location and station only before the station receives it."""
    flat: dict[str, Any] = {
        "access_notes": access_notes,
        "priority": priority,
        "lat": lat,
        "lon": lon,
        "station": station,
    }
    if recipient_phone is None and all(value is None for value in flat.values()):
        output.usage_error("nothing to change: pass at least one of the options (see --help)")
    with organisation_scope(org) as s, rejecting(ORDER.option):
        if recipient_phone is not None:
            # The recipient changes as a whole, so name and e-mail are carried over from the order.
            current = orders.get_order(s.principal, order_id, uow=s.uow()).recipient
            flat |= {
                "recipient": current.name,
                "recipient_phone": recipient_phone,
                "recipient_email": current.email,
            }
        changes = ORDER.read(OrderPatch, flat).domain_fields()
        order = orders.update_order(
            s.principal,
            order_id,
            changes,
            uow=s.uow(),
            clock=s.container.clock,
            checks=s.container.checks(),
        )
    output.done(f"order {order.id} updated: {order.status.value}")


@app.command("cancel")
def cancel(
    order_id: OrderId,
    reason: Annotated[str, typer.Option(help="Why, for the order's history.")] = "",
    org: OrgOption = None,
) -> None:
    """Cancel an order that has not left the station yet."""
    with organisation_scope(org) as s, rejecting(CANCEL.option):
        checked = CANCEL.read(CancelIn, {"reason": reason}).reason
        order = orders.cancel_order(
            s.principal, order_id, checked, uow=s.uow(), clock=s.container.clock
        )
    output.done(f"order {order.id} cancelled")


@app.command("reschedule")
def reschedule_(
    order_id: OrderId,
    day: Annotated[str, typer.Option("--date", help="The new day, YYYY-MM-DD: tomorrow or later.")],
    window: Annotated[
        str | None,
        typer.Option(help="A delivery slot of that day, HH:MM-HH:MM; else the hours are kept."),
    ] = None,
    as_json: JsonFlag = False,
    org: OrgOption = None,
) -> None:
    """Move an order not yet on a van to another day; its stop leaves the running plan."""
    with organisation_scope(org) as s, rejecting(RESCHEDULE.option):
        body = RESCHEDULE.read(RescheduleIn, {"date": day, "window": window})
        times = reschedule.parse_window(body.window) if body.window is not None else None
        done = reschedule.reschedule(
            s.principal, order_id, body.date, times, ports=s.container.live_ports()
        )
    if as_json:
        output.json(RescheduleOut.of(done))
        return
    order = done.order
    if not done.changed:
        output.done(f"order {order.id} is on {_day(order.service_date)} already: nothing changed")
        return
    output.done(f"order {order.id} moved to {_day(order.service_date)} ({order.status.value})")
    if done.change is not None:
        base, version = done.change.base, done.change.version
        output.plain(
            f"its stop left plan {base.number}: the day runs plan {version.number} "
            f"({version.status.value}, {version.id})"
        )


def _day(value: date | None) -> str:
    return value.isoformat() if value else "no day"


app.command("import")(intake.import_orders)
app.command("sample")(sample.sample)
app.add_typer(intake.queue, name="attention")
