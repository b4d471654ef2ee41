"""`doorstep carriers import/list/deactivate` and `doorstep rates ORDER` on the samples."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS
from tests.entrypoints.cli.runner import Cli, one_line_error

# A next-day order to Suomenlinna (remote, zone 1 of pakettiexpress): 12 kg, 156 litres.
ORDERS = """reference,name,address,postcode,lat,lon,weight,volume,date,station
S-1,Sointu,Suomenlinna C 1,00190,60.145,24.988,12,156,2099-11-24,HEL1
"""


def test_import_twice_then_list_and_deactivate(cli: Cli, org: str) -> None:
    first = cli.ok("carriers", "import", str(SAMPLE_CARRIERS), str(SAMPLE_RATE_CARDS))
    assert "carriers: 3 added, 0 changed, 0 unchanged" in first.stdout
    assert "rate cards: 2 added, 0 replaced, 0 unchanged" in first.stdout
    again = cli.ok("carriers", "import", str(SAMPLE_CARRIERS), str(SAMPLE_RATE_CARDS))
    assert "carriers: 0 added, 0 changed, 3 unchanged" in again.stdout
    assert "rate cards: 0 added, 0 replaced, 2 unchanged" in again.stdout
    listed = cli.ok("carriers", "list").stdout
    for code in ("omat_autot", "kaupunkikuriiri", "pakettiexpress"):
        assert code in listed
    assert "next_day (EUR)" in listed
    cli.ok("carriers", "deactivate", "kaupunkikuriiri")
    shown = [json.loads(part) for part in _objects(cli.ok("carriers", "list", "--json").stdout)]
    assert {c["code"]: c["active"] for c in shown} == {
        "kaupunkikuriiri": False,
        "omat_autot": True,
        "pakettiexpress": True,
    }


def test_a_bad_file_prints_each_mistake_by_row_and_column(
    cli: Cli, org: str, tmp_path: Path
) -> None:
    bad = tmp_path / "carriers.csv"
    bad.write_text(
        "code,name,kind,service_levels,postcodes\nok,Ok,truck,next_day,00\n", encoding="utf-8"
    )
    result = cli("carriers", "import", str(bad))
    assert result.exit_code == 1
    assert "row 2, column kind: 'truck' is not a kind of carrier" in result.stderr
    assert "row 2, column cutoff:" in result.stderr
    assert one_line_error(result) == f"Error: 3 mistakes in {bad}; nothing was imported"
    assert "Carriers: none" in cli.ok("carriers", "list").stdout


def test_rates_of_an_order_marks_the_cheapest_feasible(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    """35 kg break 15.90 (31.2 kg by volume: 156 l x 1000 / 5000) + remote area 6.50, fuel
    12.5% of 22.40 = 2.80: 25.20 EUR by pakettiexpress; the courier is same day only."""
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"  # no road network to build
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS), str(SAMPLE_RATE_CARDS))
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    cli.ok("orders", "import", str(path))
    shown = cli.ok("rates", "S-1").stdout
    assert "Rates for " in shown
    assert "next_day" in shown
    assert "✓ chosen" in shown
    assert "25.20 EUR" in shown
    assert "chosen: pakettiexpress at 25.20 EUR (cheapest feasible)" in shown
    assert "offers same_day" in shown
    assert "has no plan" in shown
    answer = json.loads(cli.ok("rates", "S-1", "--json").stdout)
    assert answer["chosen"] == "pakettiexpress"
    assert answer["options"][0]["price_cents"] == 2520
    given = cli.ok("rates", "S-1", "--allocate", "cheapest").stdout
    assert "order allocated to pakettiexpress at 25.20 EUR" in given
    refused = cli("rates", "S-1", "--allocate", "kaupunkikuriiri")
    assert refused.exit_code == 1
    assert "kaupunkikuriiri cannot serve the order" in one_line_error(refused)
    missing = cli("rates", "NOPE")
    assert missing.exit_code == 1
    assert "not found" in one_line_error(missing)


def _objects(text: str) -> list[str]:
    """Consecutive pretty-printed JSON objects, split at each top-level closing brace."""
    parts, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line == "}":
            parts.append("\n".join(current))
            current = []
    return parts
