"""Explanations read in clock times, money and names for a station's day, in seconds otherwise."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from doorstep.planning.explanation import explain
from doorstep.planning.plan import Plan, Unassigned
from doorstep.planning.problem import Window
from doorstep.planning.wording import Words, clock, money
from tests.planning.factories import HOUR, line_problem, stop

HEL = ZoneInfo("Europe/Helsinki")


def test_a_day_reads_in_local_clock_times_money_and_names() -> None:
    """With an epoch, 36,000 s is 10:00; with a currency unit, 334,919 units are 3.35."""
    words = Words(datetime(2026, 11, 23, tzinfo=HEL), 100_000, {"veh_1": "Van 1"})
    text = f"veh_1 arrives at {clock(36_000)} for {money(334_919)} more"
    assert words.render(text) == "Van 1 arrives at 10:00 for 3.35 more"


def test_times_past_midnight_and_on_a_clock_change_day_are_exact() -> None:
    """Elapsed seconds: 10 h after midnight on 2026-10-25 is 09:00 local; 25 h is tomorrow."""
    words = Words(datetime(2026, 10, 25, tzinfo=HEL))
    assert words.render(clock(10 * HOUR)) == "09:00"
    assert words.render(clock(25 * HOUR)) == "00:00 (+1 d)"


def test_without_an_epoch_times_stay_seconds() -> None:
    """Benchmarks and tests without a day keep the raw numbers."""
    assert Words().render(f"at {clock(60)}, {money(5)}") == "at 60 s, 5"


def test_explain_renders_reasons_with_the_words_given() -> None:
    """A window-unreachable reason names the window in the station's local time."""
    problem = line_problem(stop("early", 5, windows=(Window(8 * HOUR, 8 * HOUR + 60),)))
    plan = Plan((), (Unassigned("early"),))
    words = Words(datetime(2026, 11, 23, tzinfo=HEL), names={"v1": "Van 1"})
    message = explain(problem, plan, words).unassigned[0].reason
    assert message is not None
    assert "window 08:00-08:01" in message.message
    assert "Van 1" in message.message
