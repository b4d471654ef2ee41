"""``doorstep whatif`` end to end on the bundled Helsinki extract: a base and one variant."""

from __future__ import annotations

import json

from tests.entrypoints.cli.runner import Cli, one_line_error


def test_whatif_compares_a_variant_on_the_same_seeds(cli: Cli) -> None:
    """Two seeds of 30 orders, base and two more vans: the table names every headline KPI,
    the JSON gives both runs per seed and their paired differences, and the configured
    database stays untouched (every run has its own)."""
    args = ("whatif", "--seeds", "2", "--orders", "30", "--iterations", "50")
    first = cli.ok(*args, "--vary", "vehicles=+2", "--format", "json")
    found = json.loads(first.stdout)
    assert found["seeds"] == [1, 2]
    assert len(found["runs"]["base"]) == len(found["runs"]["vehicles=+2"]) == 2
    vans = found["variants"]["vehicles=+2"]
    assert set(vans) == {
        "on_time", "first_attempt", "m_per_stop", "cost_per_stop", "vehicles_used",
        "stops_per_hour", "co2_g_per_stop",
    }  # fmt: skip
    on_time = vans["on_time"]
    assert on_time["pairs"] == 2
    assert on_time["difference_min"] <= on_time["difference_mean"] <= on_time["difference_max"]
    assert 0 < on_time["base_mean"] <= 1
    assert not (cli.data_dir / "doorstep.db").exists()
    # The table, on one seed to keep the test short.
    table = cli.ok("whatif", "--seeds", "1", "--orders", "30", "--iterations", "50",
                   "--vary", "vehicles=+2")  # fmt: skip
    assert "vehicles=+2 against Helsinki micro-hub (1 seeds)" in table.stdout
    for label in ("on time", "first attempt", "cost / stop", "vehicles used", "CO2 g / stop"):
        assert label in table.stdout
    assert "seed 1: vehicles=+2" in table.stderr  # the progress line


def test_a_bad_variation_names_the_key_and_lists_the_keys(cli: Cli) -> None:
    result = cli("whatif", "--vary", "trucks=+1")
    assert result.exit_code == 1
    message = one_line_error(result)
    assert "trucks" in message
    assert "vehicles" in message
    assert "cutoff" in message
