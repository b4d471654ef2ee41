"""``doorstep handoff ORDER --carrier CODE``: book an order with a partner carrier."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from doorstep.domain.carriers import ServiceLevel
from doorstep.entrypoints.api.schemas.handoffs import HandoffOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services.carriers import handoff as handoffs


def handoff(
    order: Annotated[str, typer.Argument(help="The order's id or shipper reference.")],
    carrier: Annotated[str, typer.Option(help="The partner carrier's code.")],
    service_level: Annotated[
        ServiceLevel | None,
        typer.Option(help="same_day, next_day or scheduled; default: what the order needs."),
    ] = None,
    label: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the partner's label PDF here.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON, as the API answers.")] = False,
    org: OrgOption = None,
) -> None:
    """Hand an order to a partner carrier: booked through its API, the order then follows
    the partner's events (it leaves the own fleet's planning)."""
    with organisation_scope(org) as s:
        found = handoffs.hand_off(
            s.principal, order, carrier, service_level, ports=s.container.handoff_ports()
        )
    if label is not None and found.label_pdf:
        label.write_bytes(found.label_pdf)
    if json:
        output.json(HandoffOut.of(found))
        return
    output.details(
        f"Handed off to {found.carrier_code}",
        [
            ("Hand-off", found.id),
            ("Order", found.order_id),
            ("Service", found.service_level.value),
            ("Day", found.service_date.isoformat()),
            ("Booking", found.booking_id),
            ("Tracking", found.tracking_number),
            ("Label", str(label) if label is not None else "GET " + HandoffOut.of(found).label_url),
        ],
    )
