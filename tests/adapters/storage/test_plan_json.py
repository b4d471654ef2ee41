"""Planning inputs as JSON: a vehicle's break keeps when it is owed; older JSON still reads."""

from __future__ import annotations

from dataclasses import replace

from doorstep.adapters.storage.plan_json import inputs_from, inputs_json
from doorstep.planning.problem import Break, Window
from tests.planning.factories import HOUR, line_problem, stop


def test_a_break_owed_after_some_work_round_trips() -> None:
    """after_work_s is stored with the break and read back."""
    problem = line_problem(stop("a", 1))
    brk = Break(Window(10 * HOUR, 13 * HOUR), 1800, after_work_s=6 * HOUR)
    van = replace(problem.vehicles[0], break_=brk)
    problem = replace(problem, vehicles=(van,), matrices={})
    stored = inputs_json(problem)
    assert stored["vehicles"][0]["break"]["after_work_s"] == 6 * HOUR
    assert inputs_from(stored, None).vehicles[0].break_ == brk


def test_a_break_stored_without_after_work_s_is_owed_on_every_route() -> None:
    """JSON written before breaks became conditional reads as after_work_s 0."""
    problem = line_problem(stop("a", 1))
    van = replace(problem.vehicles[0], break_=Break(Window(10 * HOUR, 13 * HOUR), 1800))
    stored = inputs_json(replace(problem, vehicles=(van,), matrices={}))
    del stored["vehicles"][0]["break"]["after_work_s"]
    brk = inputs_from(stored, None).vehicles[0].break_
    assert brk == Break(Window(10 * HOUR, 13 * HOUR), 1800, after_work_s=0)
