"""Carriers and their rate cards, and rate shopping for one order."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from doorstep.adapters.spreadsheets import read_table
from doorstep.domain.errors import InvalidValue
from doorstep.entrypoints.api.deps import ContainerDep, IdempotentDep, PrincipalDep
from doorstep.entrypoints.api.problems import problem_response
from doorstep.entrypoints.api.schemas.carriers import CarrierIn, CarrierOut, ImportOut, RatesOut
from doorstep.services.carriers import rate_shopping, registry
from doorstep.services.carriers.carrier_file import CarrierFileInvalid
from doorstep.services.carriers.rate_card_file import RateCardFileInvalid
from doorstep.services.planning.live import LivePorts

router = APIRouter(tags=["carriers"])

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SUFFIX = {"text/csv": ".csv", "application/csv": ".csv", "text/plain": ".csv", _XLSX: ".xlsx"}


class FileKind(StrEnum):
    CARRIERS = "carriers"
    RATES = "rates"


@router.get("/carriers", summary="The organisation's carriers with their rate cards")
def list_carriers(principal: PrincipalDep, c: ContainerDep) -> list[CarrierOut]:
    uow = c.reader()
    cards = registry.all_rate_cards(principal, uow=uow)
    return [
        CarrierOut.of(carrier, cards.get(carrier.id))
        for carrier in registry.list_carriers(principal, uow=uow)
    ]


@router.post(
    "/carriers",
    status_code=status.HTTP_201_CREATED,
    response_model=CarrierOut,
    summary="Register one carrier",
)
def add_carrier(
    body: CarrierIn, principal: PrincipalDep, c: ContainerDep, once: IdempotentDep
) -> object:
    return once.run(
        201,
        lambda uow: CarrierOut.of(
            registry.add_carrier(principal, body.domain_fields(), uow=uow, clock=c.clock, ids=c.ids)
        ),
    )


@router.post(
    "/carriers:import",
    response_model=ImportOut,
    summary="Import a carrier file or a rate card file (CSV or .xlsx body); idempotent",
)
async def import_carriers(
    request: Request,
    principal: PrincipalDep,
    c: ContainerDep,
    kind: Annotated[FileKind, Query(description="carriers: the carrier file; rates: rate cards")],
) -> object:
    """The body is one file (``Content-Type: text/csv`` or the .xlsx type); ``kind`` says which.
    Send the carrier file first, then the rate cards (they name the carriers by code): two
    requests. Sending a file again changes nothing; a changed card replaces the old one. A
    file with mistakes loads nothing and answers 422 with one error per mistake, its field
    naming the row and the column (``row 3.price``)."""
    rows = await _rows(request)
    carriers, rates = (rows, None) if kind is FileKind.CARRIERS else (None, rows)
    try:
        report = registry.import_files(
            principal, carriers, rates, uow=c.uow(), clock=c.clock, ids=c.ids
        )
    except (CarrierFileInvalid, RateCardFileInvalid) as error:
        errors = [
            {"field": f"row {p.row}.{p.column}", "message": f"{p.problem}; {p.fix}"}
            for p in error.problems
        ]
        return problem_response(422, "invalid-value", str(error), request.url.path, errors)
    return ImportOut.of(report)


@router.get("/carriers/{carrier}", summary="One carrier, by id or code, with its rate cards")
def get_carrier(carrier: str, principal: PrincipalDep, c: ContainerDep) -> CarrierOut:
    found, cards = registry.rate_cards_of(principal, carrier, uow=c.reader())
    return CarrierOut.of(found, cards)


@router.delete("/carriers/{carrier}", summary="Deactivate a carrier (kept, no longer offered)")
def deactivate_carrier(carrier: str, principal: PrincipalDep, c: ContainerDep) -> CarrierOut:
    return CarrierOut.of(registry.deactivate_carrier(principal, carrier, uow=c.uow()))


@router.get(
    "/orders/{order_id}/rates",
    summary="Rate shopping: every carrier for the order, its price, promise and reasons",
)
def order_rates(
    order_id: str,
    principal: PrincipalDep,
    c: ContainerDep,
    live: Annotated[
        bool,
        Query(
            description="ask partners with an API connection for live quotes (a few seconds "
            "at most, all at once); false: price every partner by its rate card"
        ),
    ] = True,
) -> RatesOut:
    """Each option says where its price came from (``price_source``): a partner's live quote
    (its rate card's price beside it), its rate card (with ``live_quote_failure`` when a quote
    was asked for and failed), or the own fleet's plan."""
    ports = LivePorts(c.reader(), c.travel(), c.plan_matrices(), c.clock, c.ids)
    quotes = rate_shopping.LiveQuotes(c.carrier_gateways()) if live else None
    return RatesOut.of(rate_shopping.shop(principal, order_id, ports=ports, live=quotes))


async def _rows(request: Request) -> list[tuple[int, dict[str, object]]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = _SUFFIX.get(kind)
    if suffix is None:
        raise InvalidValue(
            "Content-Type", f"send the file as text/csv or as {_XLSX}, not {kind or 'nothing'}"
        )
    body = await request.body()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(body)
        with read_table(path) as table:
            return [
                (number, dict(zip(table.header, cells, strict=False)))
                for number, cells in table.rows
            ]
