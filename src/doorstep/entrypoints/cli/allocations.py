"""``doorstep allocations``: a day's decisions (own fleet or a partner) with their reasons, the
organisation's allocation rules, and ``hand-off`` booking the partners' orders; ``doorstep plan
--allocate`` prints a run with ``show_run`` (and ``--hand-off`` with ``show_hand_off``)."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.domain.allocation import AllocationRules
from doorstep.domain.rates import show_money
from doorstep.entrypoints.api.schemas.allocations import (
    AllocationListOut,
    DecisionOut,
    HandOffOut,
    RulesOut,
)
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.options import service_day
from doorstep.entrypoints.cli.scope import OrgOption, organisation_scope
from doorstep.services.carriers import allocation
from doorstep.services.carriers.allocation import AllocationRun, HandOffReport

app = typer.Typer(
    help="A day's allocations between the own fleet and partners, and the rules.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, as the API answers.")]
HEADERS = ["Order", "Carrier", "Kind", "Price", "Promised by", "Why"]


def _price(cents: int | None, currency: str | None) -> str:
    return "-" if cents is None else show_money(cents, currency or "")


def _row(d: DecisionOut) -> list[object]:
    due = d.promised_by.strftime("%Y-%m-%d %H:%M") if d.promised_by is not None else "-"
    kind = d.kind if d.within_level is not False else "not served"
    return [d.order, d.carrier, kind, _price(d.price_cents, d.currency), due, d.summary]


def show_run(run: AllocationRun) -> None:
    """The run's table (one row per order) and its totals."""
    decisions = [DecisionOut.of(d) for d in run.decisions]
    output.table(
        f"Allocation of {run.station.code} on {run.day.isoformat()}", HEADERS, map(_row, decisions)
    )
    totals = run.totals()
    currency = run.decisions[0].currency if run.decisions else ""
    plan = f"plan {run.version.number} ({run.version.id})" if run.version is not None else "none"
    output.details(
        "Totals",
        [
            ("Orders", len(run.decisions)),
            ("Own fleet", f"{totals['own_fleet']} ({_price(totals['fleet_cents'], currency)} "
             "of marginal costs)"),
            ("Partners", f"{totals['partner']} ({_price(totals['partner_cents'], currency)})"),
            ("Not served", totals["not_served"]),
            ("Fleet use", f"{run.utilisation.share:.0%} of its working time"),
            ("Own fleet's plan", plan),
            ("Rounds", run.rounds),
            *(("Note", note) for note in run.notes),
        ],
    )  # fmt: skip


@app.command("list")
def list_(
    day: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day.")],
    station: Annotated[str | None, typer.Option(help="Only this station (code or id).")] = None,
    reasons: Annotated[bool, typer.Option("--reasons", help="Print every reason.")] = False,
    json: JsonOption = False,
    org: OrgOption = None,
) -> None:
    """The day's allocations: per order the carrier, price, promise and why."""
    when = service_day(day)
    with organisation_scope(org) as s:
        found = allocation.list_allocations(s.principal, station, when, uow=s.uow())
    items = [DecisionOut.stored(*row) for row in found]
    if json:
        output.json(AllocationListOut(items=items))
        return
    if not items:
        output.plain(f"no allocations on {when.isoformat()}")
        return
    rows = [
        [*_row(d)[:-1], "\n".join(d.reasons) if reasons else d.summary] for d in items
    ]  # fmt: skip
    output.table(f"Allocations on {when.isoformat()}", HEADERS, rows)


def show_hand_off(report: HandOffReport) -> None:
    """One row per order tried (booked with its tracking number, or refused and why)."""
    where = f"{report.station.code} on {report.day.isoformat()}"
    rows = [
        [o.label, o.carrier_code, o.service_level.value if o.service_level else "-",
         "booked" if o.booked else "refused", o.tracking_number or "-", o.reason or "-"]
        for o in report.outcomes
    ]  # fmt: skip
    if rows:
        headers = ["Order", "Carrier", "Level", "Outcome", "Tracking", "Why refused"]
        output.table(f"Hand-off of {where}", headers, rows)
    skipped = []
    if report.already_handed_off:
        skipped.append(f"{report.already_handed_off} handed off before")
    if report.not_plannable:
        skipped.append(f"{report.not_plannable} no longer plannable")
    left = f" (not tried: {', '.join(skipped)})" if skipped else ""
    if not report.outcomes:
        output.plain(f"no partner-allocated orders left to hand off at {where}{left}")
        return
    output.plain(f"{report.booked} booked, {report.refused} refused{left}")
    if report.refused:
        output.note("fix what the reasons say, then run this again: it books only what is left")


@app.command("hand-off")
def hand_off(
    station: Annotated[str, typer.Option(help="The station, by code or id.")],
    day: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day.")],
    json: JsonOption = False,
    org: OrgOption = None,
) -> None:
    """Book the day's partner-allocated orders with their partners, one by one; a rerun books
    only what is left."""
    when = service_day(day)
    with organisation_scope(org) as s:
        report = allocation.hand_off_allocated(
            s.principal, station, when, ports=s.container.handoff_ports()
        )
    if json:
        output.json(HandOffOut.of(report))
        return
    show_hand_off(report)
    if report.refused:
        raise typer.Exit(code=output.EXIT_FAILED)


@app.command("rules")
def rules(
    never: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TAG:PARTNER",
            help="Never hand orders tagged TAG to PARTNER (repeat; replaces the list).",
        ),
    ] = None,
    share: Annotated[
        float | None,
        typer.Option("--own-fleet-share", help="Prefer the own fleet up to this share (0-1)."),
    ] = None,
    max_price: Annotated[
        float | None, typer.Option("--max-price", help="Never pay a partner more an order.")
    ] = None,
    json: JsonOption = False,
    org: OrgOption = None,
) -> None:
    """Show the allocation rules; with options, change them (the rest is kept)."""
    with organisation_scope(org) as s:
        current = allocation.get_rules(s.principal, uow=s.uow())
        if never is not None or share is not None or max_price is not None:
            pairs = current.never
            if never is not None:
                pairs = frozenset(_pair(item) for item in never)
            cents = current.max_price_cents if max_price is None else round(max_price * 100)
            current = allocation.set_rules(
                s.principal,
                AllocationRules(
                    pairs, current.own_fleet_share if share is None else share, cents or None
                ),
                uow=s.uow(),
            )
    if json:
        output.json(RulesOut.of(current))
        return
    output.details(
        "Allocation rules",
        [
            ("Never", ", ".join(f"{t} to {c}" for t, c in sorted(current.never)) or "-"),
            ("Own fleet preferred up to", f"{current.own_fleet_share:.0%} of its working time"),
            ("Max price an order", _price(current.max_price_cents, "")),
        ],
    )


def _pair(item: str) -> tuple[str, str]:
    tag, _, code = item.partition(":")
    if not tag.strip() or not code.strip():
        output.usage_error(
            f"--never: give TAG:PARTNER, e.g. refrigerated:pakettiexpress; got {item!r}"
        )
    return tag.strip().lower(), code.strip().lower()
