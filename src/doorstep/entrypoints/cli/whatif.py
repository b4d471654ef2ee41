"""``doorstep whatif SCENARIO --vary vehicles=+2 ...``: a scenario and its variants, compared.

For each seed the base scenario and each variant (one ``--vary KEY=VALUE`` each) are drawn,
planned and played by the digital twin (``simulation.demo.demo_day``), every run in its own
fresh SQLite database in a temporary directory, so no run sees another's orders and the
configured database is never touched. The seeds are the scenario's and the ones after it;
base and variants share each seed, so they differ only by the variation. The headline KPIs
(``services.kpis.day_kpis``) are compared per seed and summed up by ``simulation.whatif``:
the means, the mean paired difference and its spread. The day is a fixed Monday and the
solver stops after a number of iterations, so the same command prints the same figures.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from doorstep.bootstrap import Container, build, optimizer
from doorstep.config import Settings
from doorstep.entrypoints.cli import output
from doorstep.entrypoints.cli.scope import ensure_region, opened
from doorstep.planning.travel import TravelTimes
from doorstep.services import accounts, kpis
from doorstep.services.authorization import system_principal
from doorstep.simulation import scenario as scenarios
from doorstep.simulation.demo import CountingIds, demo_day
from doorstep.simulation.station_day import DAY
from doorstep.simulation.whatif import HEADLINE, Difference, compare, headline

UNITS = {key: unit for key, _, unit in HEADLINE}
LABELS = {key: label for key, label, _ in HEADLINE}


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def whatif(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file; the shipped Helsinki micro-hub if left out.",
            show_default=False,
        ),
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            metavar="KEY=VALUE",
            help="A variant to compare with the base; repeat for several. Keys: "
            + "; ".join(f"{k}={v}" for k, v in scenarios.VARY_KEYS.items()),
        ),
    ] = None,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds to play each on.")] = 3,
    orders: Annotated[
        int | None,
        typer.Option(min=0, max=20_000, help="Orders a day; the scenario's if left out."),
    ] = None,
    iterations: Annotated[
        int, typer.Option(min=1, help="The solver's budget per day, in iterations.")
    ] = 1000,
    shape: Annotated[Format, typer.Option("--format", help="How to print them.")] = Format.TABLE,
) -> None:
    """Play a scenario and its variants on the same seeds and compare their KPIs."""
    base = scenarios.load(scenario) if scenario is not None else scenarios.default()
    if orders is not None:
        base = scenarios.vary(base, f"orders={orders}")
    variants = [(text, scenarios.vary(base, text)) for text in vary or []]
    if not variants:
        output.usage_error("--vary: give at least one variant, e.g. --vary vehicles=+2")
    runs = [("base", base), *variants]
    seed_list = [base.orders.seed + k for k in range(seeds)]
    results: dict[str, list[dict[str, float | None]]] = {name: [] for name, _ in runs}
    with opened() as c:
        region = c.settings.region
        ensure_region(c, region)
        travel = c.travel()  # one for every run: the road graph is loaded once
        scratch = Path(tempfile.mkdtemp(prefix="doorstep-whatif-"))
        try:
            template = _template(scratch)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=output.errors(),
                transient=False,
            ) as bar:
                task = bar.add_task("what-if", total=len(seed_list) * len(runs))
                for seed in seed_list:
                    for n, (name, drawn) in enumerate(runs):
                        bar.update(task, description=f"seed {seed}: {name}")
                        folder = scratch / f"{seed}-{n}"
                        found = _run(c, travel, template, folder, drawn, seed, iterations)
                        results[name].append(found)
                        bar.advance(task)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    compared = {name: compare(results["base"], results[name]) for name, _ in variants}
    if shape is Format.JSON:
        typer.echo(json.dumps(_json(base.name, seed_list, results, compared), indent=2))
        return
    for name, differences in compared.items():
        output.table(
            f"{name} against {base.name} ({len(seed_list)} seeds)",
            ["kpi", "base", "variant", "difference", "sd", "min..max"],
            [_row(d) for d in differences],
        )


def _template(scratch: Path) -> Path:
    """A migrated empty database, copied for each run (migrating once is much faster)."""
    path = scratch / "template.db"
    container = build(Settings(database_url=f"sqlite:///{path}", data_dir=scratch))
    try:
        container.migrate()
    finally:
        container.close()
    return path


def _run(
    c: Container,
    travel: TravelTimes,
    template: Path,
    folder: Path,
    drawn: scenarios.Scenario,
    seed: int,
    iterations: int,
) -> dict[str, float | None]:
    """One day of one scenario on one seed, in a fresh database; its headline KPIs."""
    folder.mkdir(parents=True)
    shutil.copy(template, folder / "doorstep.db")
    # The scratch data directory holds the run's database and proofs; roads and addresses
    # come from the configured region through ``travel`` and ``c.regions``.
    database = f"sqlite:///{folder / 'doorstep.db'}"  # never the configured one
    run = build(Settings(data_dir=folder, database_url=database, fast_password_hashing=True))
    try:
        # Ids from a counter, so every run's organisation is the same one.
        setup = accounts.ensure_organisation(
            "doorstep whatif", "whatif@doorstep.example", "whatif scratch password",
            uow=run.uow(), clock=run.clock, ids=CountingIds("w"), hasher=run.hasher,
        )  # fmt: skip
        principal = system_principal(setup.organisation.id)
        region = c.settings.region
        played = demo_day(
            principal, uow=run.uow, travel=travel, optimizer=optimizer(), proofs=run.proofs(),
            places=[a.location for a in c.regions.addresses(region).known()],
            orders_count=drawn.orders.count, seed=seed, day=DAY,
            timezone=c.regions.info(region).timezone, iterations=iterations, tag="w",
            scenario=drawn,
        )  # fmt: skip
        report = kpis.day_kpis(principal, played.station.code, DAY, uow=run.reader())
    finally:
        run.close()
    return headline(report.kpis.day, len(report.kpis.routes))


def _number(
    value: float | None, unit: str, *, signed: bool = False, difference: bool = False
) -> str:
    """A KPI as printed; a difference of shares in percentage points."""
    if value is None:
        return "n/a"
    sign = "+" if signed else ""
    if unit == "share":
        return f"{value * 100:{sign}.1f}" + (" pp" if signed or difference else " %")
    if unit == "currency":
        return f"{value:{sign}.2f}"
    return f"{value:{sign}.1f}"


def _row(d: Difference) -> tuple[str, ...]:
    unit = UNITS[d.kpi]
    spread = (
        f"{_number(d.low, unit, signed=True)}..{_number(d.high, unit, signed=True)}"
        if d.pairs
        else "n/a"
    )
    return (
        LABELS[d.kpi],
        _number(d.base_mean, unit),
        _number(d.variant_mean, unit),
        _number(d.mean, unit, signed=True),
        _number(d.sd, unit, difference=True),
        spread,
    )


def _json(
    name: str,
    seeds: list[int],
    results: dict[str, list[dict[str, float | None]]],
    compared: dict[str, list[Difference]],
) -> dict[str, Any]:
    return {
        "scenario": name,
        "seeds": seeds,
        "runs": results,
        "variants": {
            variant: {
                d.kpi: {
                    "base_mean": d.base_mean,
                    "variant_mean": d.variant_mean,
                    "difference_mean": d.mean,
                    "difference_sd": d.sd,
                    "difference_min": d.low,
                    "difference_max": d.high,
                    "pairs": d.pairs,
                }
                for d in differences
            }
            for variant, differences in compared.items()
        },
    }
