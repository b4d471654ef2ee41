"""``doorstep solve``: a VRPLIB instance planned, checked and printed, with no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.entrypoints.cli.runner import Cli, one_line_error

DATA = Path(__file__).parents[2] / "adapters" / "solvers" / "data"
VRPTW = DATA / "tiny_vrptw.vrp"  # its optimum, 125.5, is checked by brute force in
CVRP = DATA / "tiny_cvrp.vrp"  # tests/adapters/solvers/test_vrplib_instances.py (CVRP: 82)


def test_json_answers_cost_feasibility_and_routes(cli: Cli) -> None:
    """--json prints cost, feasible and routes that serve each customer 1..n once."""
    answer = json.loads(cli.ok("solve", str(VRPTW), "--time-limit", "1", "--json").stdout)
    assert {"cost", "feasible", "routes"} <= set(answer)
    assert answer["feasible"] is True
    assert answer["cost"] == pytest.approx(125.5)
    served = sorted(c for route in answer["routes"] for c in route)
    assert served == list(range(1, 9))
    assert len(answer["routes"]) <= 3  # VEHICLES in the file
    assert not (cli.data_dir / "doorstep.db").exists()  # no database was made or needed


def test_cvrp_is_solved_under_tsplib_rounding(cli: Cli) -> None:
    """A CVRP instance comes back at its integer optimum."""
    answer = json.loads(cli.ok("solve", str(CVRP), "--time-limit", "1", "--json").stdout)
    assert answer["feasible"] is True
    assert answer["cost"] == 82
    assert sorted(c for route in answer["routes"] for c in route) == list(range(1, 8))


def test_the_table_shows_cost_routes_and_feasibility(cli: Cli, tmp_path: Path) -> None:
    """Without --json: cost, routes used, feasibility, and the gap to a .sol file beside it."""
    instance = tmp_path / "tiny.vrp"
    instance.write_text(VRPTW.read_text())
    (tmp_path / "tiny.sol").write_text("Route #1: 3 4 5 8\nRoute #2: 6 7 1 2\nCost 125.5\n")
    shown = cli.ok("solve", str(instance), "--time-limit", "1", "--seed", "3").stdout
    assert "125.5" in shown
    assert "of 3 vehicles" in shown
    assert "Feasible" in shown
    assert "yes" in shown
    assert "gap +0.00 %" in shown


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("missing.vrp",), "INSTANCE"),
        (("NOT_VRPLIB",), "VRPLIB"),
        ((str(VRPTW), "--time-limit", "-1"), "--time-limit"),
        ((str(VRPTW), "--time-limit", "0"), "--time-limit"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    """A missing file, a file that is not VRPLIB or a bad time limit: exit 2, one line, no trace."""
    garbage = tmp_path / "garbage.vrp"
    garbage.write_text("this is not a routing instance\n")
    call = [str(garbage) if a == "NOT_VRPLIB" else str(tmp_path / a) if a == "missing.vrp" else a
            for a in args]  # fmt: skip
    result = cli("solve", *call)
    assert result.exit_code == 2
    error = one_line_error(result)
    assert named in error
    assert result.stdout == ""
