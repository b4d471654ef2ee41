"""``doorstep carriers``: import, list and deactivate carriers; ``doorstep rates ORDER``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from doorstep.adapters.spreadsheets import read_table
from doorstep.domain.carriers import Carrier
from doorstep.domain.rate_shopping import Option, PriceBasis, PriceSource
from doorstep.domain.rates import RateCard, show_money
from doorstep.entrypoints.api.schemas.carriers import CarrierOut, RatesOut
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services.carriers import rate_shopping, registry
from doorstep.services.carriers.carrier_file import CarrierFileInvalid
from doorstep.services.carriers.rate_card_file import RateCardFileInvalid
from doorstep.services.planning.live import LivePorts

app = typer.Typer(help="Import, list and deactivate carriers.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, as the API answers.")]
Rows = list[tuple[int, dict[str, object]]]


def _rows(path: Path) -> Rows:
    with read_table(path) as table:
        return [(n, dict(zip(table.header, cells, strict=False))) for n, cells in table.rows]


@app.command("import")
def import_(
    carriers: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="The carrier file (CSV or .xlsx), one row each."
        ),
    ],
    rates: Annotated[
        Path | None,
        typer.Argument(
            exists=True, dir_okay=False, help="The rate card file (the long format), optional."
        ),
    ] = None,
    org: OrgOption = None,
) -> None:
    """Import carriers and their rate cards; the same files again change nothing.

    A carrier is matched by its code, a card by carrier and service level: what changed
    replaces what is stored. A file with any mistake loads nothing; each mistake is printed
    with its row and column.
    """
    carrier_rows = _rows(carriers)
    rate_rows = _rows(rates) if rates is not None else None
    with organisation_scope(org) as s:
        try:
            report = registry.import_files(
                s.principal,
                carrier_rows,
                rate_rows,
                uow=s.uow(),
                clock=s.container.clock,
                ids=s.container.ids,
            )
        except (CarrierFileInvalid, RateCardFileInvalid) as error:
            file = carriers if isinstance(error, CarrierFileInvalid) else rates
            for problem in error.problems:
                output.errors().print(Text(str(problem)), soft_wrap=True)
            count = len(error.problems)
            output.fail(
                f"{count} mistake{'s' if count != 1 else ''} in {file}; nothing was imported"
            )
    parts = [
        f"{len(report.added)} added",
        f"{len(report.changed)} changed",
        f"{len(report.unchanged)} unchanged",
    ]
    cards = [
        f"{len(report.cards_added)} added",
        f"{len(report.cards_changed)} replaced",
        f"{len(report.cards_unchanged)} unchanged",
    ]
    output.done(f"carriers: {', '.join(parts)}; rate cards: {', '.join(cards)}")


@app.command("list")
def list_(json: JsonOption = False, org: OrgOption = None) -> None:
    """List the carriers, with their service levels, area, limits and rate cards."""
    with organisation_scope(org) as s:
        found = registry.list_carriers(s.principal, uow=s.uow())
        cards = registry.all_rate_cards(s.principal, uow=s.uow())
    if json:
        for carrier in found:
            output.json(CarrierOut.of(carrier, cards.get(carrier.id)))
        return
    headers = ["Code", "Name", "Kind", "Levels", "Area", "Per day", "Limits", "Handles", "Proofs"]
    output.table(
        "Carriers",
        [*headers, "Rate cards", "Active"],
        (_row(c, cards.get(c.id, [])) for c in found),
    )


@app.command("deactivate")
def deactivate(
    carrier: Annotated[str, typer.Argument(help="The carrier's code or id.")],
    org: OrgOption = None,
) -> None:
    """Stop offering a carrier (kept, with its cards, for the orders it has)."""
    with organisation_scope(org) as s:
        gone = registry.deactivate_carrier(s.principal, carrier, uow=s.uow())
    output.done(f"carrier {gone.code} deactivated")


def _row(c: Carrier, cards: list[RateCard]) -> list[object]:
    area = ", ".join(sorted(c.coverage.postcode_prefixes))
    if c.coverage.polygons:
        polygons = len(c.coverage.polygons)
        area = ", ".join(filter(None, [area, f"{polygons} polygon{'s' if polygons > 1 else ''}"]))
    limits = [
        f"{c.max_weight_kg:g} kg" if c.max_weight_kg is not None else "",
        f"{c.max_side_cm:g} cm" if c.max_side_cm is not None else "",
    ]
    return [
        c.code,
        c.name,
        c.kind.value,
        " ".join(sorted(level.value for level in c.service_levels)),
        area,
        c.capacity_per_day if c.capacity_per_day is not None else "-",
        " / ".join(x for x in limits if x) or "-",
        ", ".join(sorted(c.handles)) or "-",
        ", ".join(sorted(k.value for k in c.proofs)) or "-",
        ", ".join(f"{card.service_level.value} ({card.currency})" for card in cards) or "-",
        "yes" if c.active else "no",
    ]


def rates(
    order: Annotated[str, typer.Argument(help="The order's id or shipper reference.")],
    allocate: Annotated[
        str | None,
        typer.Option(
            metavar="CARRIER",
            help="Give the order to this carrier (code), or to the cheapest feasible with "
            "'cheapest'; its parcels then count against the carrier's capacity of the day.",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live/--no-live",
            help="Ask partners with an API connection for live quotes (a few seconds at most, "
            "all at once), or price every partner by its rate card.",
        ),
    ] = True,
    json: JsonOption = False,
    org: OrgOption = None,
) -> None:
    """Rate shopping for one order: every carrier, its price and promise, and why not.

    Partners with an API connection are asked for a live quote, shown with their rate card's
    price beside it (a failed quote falls back to the card, saying why); the others are priced
    by their rate cards. The own fleet is priced by the marginal cost of the order's cheapest
    feasible insertion into its day's latest plan. The cheapest feasible is chosen.
    """
    with organisation_scope(org) as s:
        c = s.container
        ports = LivePorts(c.uow(), c.travel(), c.plan_matrices(), c.clock, c.ids)
        quotes = rate_shopping.LiveQuotes(c.carrier_gateways()) if live else None
        if allocate is None:
            shopping = rate_shopping.shop(s.principal, order, ports=ports, live=quotes)
        else:
            named = None if allocate.strip().lower() == "cheapest" else allocate
            shopping, given = rate_shopping.allocate(
                s.principal, order, named, ports=ports, live=quotes
            )
    if json:
        output.json(RatesOut.of(shopping))
        return
    found = shopping.order
    distance = f"{shopping.distance_km:.1f} km" if shopping.distance_km is not None else "unknown"
    output.details(
        f"Rates for {found.shipper}/{found.shipper_reference} ({found.id})",
        [
            ("Needs", f"{shopping.need.level.value}: {shopping.need.reason}"),
            ("Distance", f"{distance} by road from the station"),
            ("Prices", _sources(shopping)),
            *(("Note", note) for note in shopping.notes),
        ],
    )
    headers = ["", "Carrier", "Kind", "Price", "Source", "Promise", "Why / how"]
    rows = (_option(o, shopping.basis(o)) for o in shopping.options)
    output.table("Options, cheapest feasible first", headers, rows)
    chosen = shopping.chosen
    if chosen is None:
        output.plain("no carrier can serve the order")
    else:
        price, source = _price(chosen), shopping.basis(chosen).source
        how = "; live quote" if source is PriceSource.LIVE_QUOTE else ""
        output.plain(f"chosen: {chosen.carrier_code} at {price} (cheapest feasible{how})")
    if allocate is not None:
        output.done(f"order allocated to {given.carrier_code} at {_price(given)}")


def _sources(shopping: rate_shopping.Shopping) -> str:
    if not shopping.live:
        return "partners by their rate cards (live quotes not asked: --no-live)"
    bases = shopping.bases.values()
    asked = len(bases)
    if not asked:
        return "partners by their rate cards (no feasible partner has an API connection)"
    failed = sum(1 for basis in bases if basis.quote_failure is not None)
    quoted = f"live quotes asked of {asked} partner{'s' if asked != 1 else ''} with an API"
    return f"{quoted}, {failed} failed; the other partners by their rate cards"


def _price(option: Option) -> str:
    if option.price_cents is None or option.currency is None:
        return "-"
    return show_money(option.price_cents, option.currency)


def _shown_price(option: Option, basis: PriceBasis) -> str:
    """The price, and beside a live one the card's: 11.90 EUR (card 12.40, -0.50)."""
    shown = _price(option)
    if basis.source is not PriceSource.LIVE_QUOTE or basis.card_cents is None:
        return shown
    currency = option.currency or ""
    card = show_money(basis.card_cents, currency).removesuffix(f" {currency}")
    if basis.difference_cents is None:
        return f"{shown} (card {card})"
    difference = show_money(basis.difference_cents, currency).removesuffix(f" {currency}")
    sign = "+" if basis.difference_cents > 0 else ""
    return f"{shown} (card {card}, {sign}{difference})"


SOURCES = {
    PriceSource.LIVE_QUOTE: "live quote",
    PriceSource.RATE_CARD: "rate card",
    PriceSource.PLAN: "plan (marginal cost)",
}


def _option(option: Option, basis: PriceBasis) -> list[object]:
    mark = "✓ chosen" if option.chosen else ("ok" if option.feasible else "✗")
    due = option.due.strftime("%a %Y-%m-%d %H:%M") if option.due is not None else "-"
    why = option.reasons if option.reasons else option.explanation
    source = SOURCES[basis.source]
    if basis.quote_failure is not None:
        source += "\n(live quote failed)"  # why: first in the explanation
    return [
        mark,
        f"{option.carrier_code} ({option.carrier_name})",
        option.kind.value,
        _shown_price(option, basis),
        source,
        due,
        "\n".join(why),
    ]
