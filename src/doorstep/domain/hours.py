"""Drivers' hours of service: a clock per rule set that warns before a breach and reports it.

Covered: US FMCSA property-carrying (11 h driving, 14 h window, a 30-minute interruption of
driving after 8 h of driving; 10 h off duty starts a new day) and EU 561/2006 daily rules (9 h
driving, a 45-minute break after 4 h 30 min of driving, splittable as 15 min then 30 min; 11 h of
rest starts a new day). Not covered: weekly and fortnightly limits (60/70 h, 56/90 h), the EU
10-hour extension twice a week, reduced or split daily rests, the FMCSA sleeper-berth split,
short-haul and adverse-conditions exceptions, and the EU rule that a break is "other work" free
only when the driver may dispose freely of their time (any off-duty period counts here).

Semantics:
- Gaps between periods, and the time after the last period up to ``at``, count as off duty.
- The first period is taken to follow a qualifying rest: pass the periods since the last one.
- A breach is driving beyond a limit. Driving that stops exactly at the limit breaks nothing.
  A violation's ``at`` is the first instant of driving beyond the limit: the moment the limit
  is reached when driving goes straight on, otherwise the moment driving resumes. Each breach is
  reported once, with how long the driver drove beyond the limit until the breach ended (a
  qualifying break or rest) or until ``at``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.checks import aware
from doorstep.domain.errors import InvalidValue

_MIN = 60
_HOUR = 3600


class DutyStatus(StrEnum):
    OFF_DUTY = "off_duty"
    ON_DUTY = "on_duty"  # working but not driving: loading, delivering on foot, inspection
    DRIVING = "driving"


class RuleSet(StrEnum):
    FMCSA_PROPERTY = "fmcsa_property"
    EU_561 = "eu_561"


class FindingKind(StrEnum):
    WARNING = "warning"
    VIOLATION = "violation"


class Limit(StrEnum):
    DRIVING_LIMIT = "driving_limit"
    WINDOW = "window"
    BREAK = "break"


@dataclass(frozen=True)
class DutyPeriod:
    """One stretch of a driver's day in one status, [start, end)."""

    status: DutyStatus
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        aware("start", self.start)
        aware("end", self.end)
        if self.end <= self.start:
            raise InvalidValue(
                "end",
                f"must be after start ({self.start.isoformat()}), got {self.end.isoformat()}",
            )


@dataclass(frozen=True)
class Rules:
    """The daily limits of one rule set, in seconds; ``None`` where the rule set has no such rule.

    ``break_s`` is the whole break; ``split_first_s`` then ``split_second_s`` is the allowed
    split, in that order. ``on_duty_breaks`` says whether work other than driving interrupts
    driving for the break rule (FMCSA since 2020) or not (EU: a break is free of all work).
    """

    rule_set: RuleSet
    driving_limit_s: int
    daily_rest_s: int
    break_after_s: int
    break_s: int
    window_s: int | None = None
    split_first_s: int | None = None
    split_second_s: int | None = None
    on_duty_breaks: bool = False


FMCSA_PROPERTY = Rules(
    RuleSet.FMCSA_PROPERTY,
    driving_limit_s=11 * _HOUR,
    daily_rest_s=10 * _HOUR,
    break_after_s=8 * _HOUR,
    break_s=30 * _MIN,
    window_s=14 * _HOUR,
    on_duty_breaks=True,
)
EU_561 = Rules(
    RuleSet.EU_561,
    driving_limit_s=9 * _HOUR,
    daily_rest_s=11 * _HOUR,
    break_after_s=4 * _HOUR + 30 * _MIN,
    break_s=45 * _MIN,
    split_first_s=15 * _MIN,
    split_second_s=30 * _MIN,
)
RULES = {FMCSA_PROPERTY.rule_set: FMCSA_PROPERTY, EU_561.rule_set: EU_561}


@dataclass(frozen=True)
class Clock:
    """The state at one instant: what was driven today and what is left before each limit.

    ``status`` is the status just before ``at`` (the period that ran up to it), so a driver whose
    driving period ends at ``at`` is still driving. ``window_left_s`` is None without a window.
    """

    at: datetime
    status: DutyStatus
    driving_s: float
    driving_left_s: float
    window_left_s: float | None
    until_break_s: float
    break_due: bool


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    rule: Limit
    message: str
    at: datetime


@dataclass
class _Breach:
    rule: Limit
    at: datetime
    over_s: float


@dataclass
class _Day:
    """Counters of the walk through a driver's periods; reset by a daily rest or a break."""

    driving_s: float = 0.0
    since_break_s: float = 0.0
    window_start: datetime | None = None
    rest_run_s: float = 0.0
    break_run_s: float = 0.0
    break_run_counted: bool = False
    split_started: bool = False
    open: dict[Limit, _Breach] = field(default_factory=dict)
    closed: list[_Breach] = field(default_factory=list)

    def close(self, rule: Limit) -> None:
        if rule in self.open:
            self.closed.append(self.open.pop(rule))

    def new_day(self) -> None:
        self.driving_s = self.since_break_s = 0.0
        self.window_start = None
        self.split_started = False
        for rule in list(self.open):
            self.close(rule)

    def breach(self, rule: Limit, at: datetime, over_s: float) -> None:
        if rule in self.open:
            self.open[rule].over_s += over_s
        else:
            self.open[rule] = _Breach(rule, at, over_s)


def clock(periods: Sequence[DutyPeriod], rules: Rules, at: datetime) -> Clock:
    """The hours-of-service state at ``at``; periods after ``at`` are ignored, one across it cut."""
    day, status = _walk(periods, rules, at)
    return _clock(day, status, rules, at)


def _clock(day: _Day, status: DutyStatus, rules: Rules, at: datetime) -> Clock:
    window_left_s: float | None = None
    if rules.window_s is not None:
        opened = day.window_start or at
        window_left_s = max(0.0, (opened - at).total_seconds() + rules.window_s)
    return Clock(
        at=at,
        status=status,
        driving_s=day.driving_s,
        driving_left_s=max(0.0, rules.driving_limit_s - day.driving_s),
        window_left_s=window_left_s,
        until_break_s=max(0.0, rules.break_after_s - day.since_break_s),
        break_due=day.since_break_s >= rules.break_after_s,
    )


def findings(
    periods: Sequence[DutyPeriod], rules: Rules, *, warn_before_s: float = 1800, at: datetime
) -> list[Finding]:
    """Violations up to ``at`` in time order, then warnings for a driver driving at ``at``.

    A warning is given for each limit not yet breached that driving on would reach within
    ``warn_before_s`` seconds (a limit reached exactly at ``at`` warns with "now").
    """
    day, status = _walk(periods, rules, at)
    breaches = sorted([*day.closed, *day.open.values()], key=lambda b: b.at)
    found = [Finding(FindingKind.VIOLATION, b.rule, _violation(b, rules), b.at) for b in breaches]
    if status is not DutyStatus.DRIVING:
        return found
    state = _clock(day, status, rules, at)
    left = {
        Limit.DRIVING_LIMIT: state.driving_left_s,
        Limit.WINDOW: state.window_left_s,
        Limit.BREAK: state.until_break_s,
    }
    for rule, left_s in left.items():
        if left_s is not None and left_s <= warn_before_s and rule not in day.open:
            found.append(Finding(FindingKind.WARNING, rule, _warning(rule, left_s, rules), at))
    return found


def _walk(periods: Sequence[DutyPeriod], rules: Rules, at: datetime) -> tuple[_Day, DutyStatus]:
    day = _Day()
    status = DutyStatus.OFF_DUTY
    for status, start, end in _timeline(periods, at):
        seconds = (end - start).total_seconds()
        if status is DutyStatus.DRIVING:
            _drive(day, rules, start, end)
        else:
            _pause(day, rules, status, start, seconds)
    return day, status


def _timeline(
    periods: Sequence[DutyPeriod], at: datetime
) -> list[tuple[DutyStatus, datetime, datetime]]:
    """Periods in order, cut at ``at``, with gaps and the time up to ``at`` filled as off duty."""
    aware("at", at)
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in itertools.pairwise(ordered):
        if later.start < earlier.end:
            raise InvalidValue(
                "periods",
                f"overlap ({earlier.status} {earlier.start.isoformat()}-{earlier.end.isoformat()} "
                f"and {later.status} {later.start.isoformat()}-{later.end.isoformat()}); "
                "a driver is in one status at a time",
            )
    timeline: list[tuple[DutyStatus, datetime, datetime]] = []
    cursor = ordered[0].start if ordered else at
    for period in (p for p in ordered if p.start < at):
        if period.start > cursor:
            timeline.append((DutyStatus.OFF_DUTY, cursor, period.start))
        cursor = min(period.end, at)
        timeline.append((period.status, period.start, cursor))
    if cursor < at:
        timeline.append((DutyStatus.OFF_DUTY, cursor, at))
    return timeline


def _drive(day: _Day, rules: Rules, start: datetime, end: datetime) -> None:
    _end_break_run(day, rules)
    day.rest_run_s = 0.0
    if day.window_start is None:
        day.window_start = start
    seconds = (end - start).total_seconds()
    _count(day, Limit.DRIVING_LIMIT, start, seconds, day.driving_s, rules.driving_limit_s)
    _count(day, Limit.BREAK, start, seconds, day.since_break_s, rules.break_after_s)
    if rules.window_s is not None:
        closes = day.window_start + timedelta(seconds=rules.window_s)
        if end > closes:
            first = max(start, closes)
            day.breach(Limit.WINDOW, first, (end - first).total_seconds())
    day.driving_s += seconds
    day.since_break_s += seconds


def _count(
    day: _Day, rule: Limit, start: datetime, seconds: float, used_s: float, limit_s: float
) -> None:
    """Record driving beyond ``limit_s`` when this stretch takes the counter past it."""
    if used_s + seconds > limit_s:
        into_s = max(0.0, limit_s - used_s)
        day.breach(rule, start + timedelta(seconds=into_s), seconds - into_s)


def _pause(day: _Day, rules: Rules, status: DutyStatus, start: datetime, seconds: float) -> None:
    """Time not driving: it may complete a break or, off duty, a daily rest."""
    if status is DutyStatus.OFF_DUTY:
        day.rest_run_s += seconds
    else:
        day.rest_run_s = 0.0
        if day.window_start is None:
            day.window_start = start  # on-duty work opens the FMCSA window too
    if status is DutyStatus.OFF_DUTY or rules.on_duty_breaks:
        day.break_run_s += seconds
    else:
        _end_break_run(day, rules)  # EU: other work interrupts a break
    second_part = day.split_started and day.break_run_s >= (rules.split_second_s or rules.break_s)
    if day.break_run_s >= rules.break_s or second_part:
        day.since_break_s = 0.0
        day.split_started = False
        day.break_run_counted = True
        day.close(Limit.BREAK)
    if day.rest_run_s >= rules.daily_rest_s:
        day.new_day()


def _end_break_run(day: _Day, rules: Rules) -> None:
    """A pause that ended too short for a break may still be the first part of a split one."""
    first_s = rules.split_first_s
    if first_s is not None and not day.break_run_counted and day.break_run_s >= first_s:
        day.split_started = True
    day.break_run_s = 0.0
    day.break_run_counted = False


def _violation(breach: _Breach, rules: Rules) -> str:
    when = breach.at.strftime("%H:%M")
    over = _duration(breach.over_s)
    if breach.rule is Limit.DRIVING_LIMIT:
        return f"{_duration(rules.driving_limit_s)} of driving reached at {when}; {over} over"
    if breach.rule is Limit.WINDOW:
        window = _duration(rules.window_s or 0)
        return f"drove after the {window} on-duty window closed, from {when}; {over} over"
    return (
        f"{_duration(rules.break_after_s)} of driving without a {_duration(rules.break_s)} "
        f"break reached at {when}; {over} over"
    )


def _warning(rule: Limit, left_s: float, rules: Rules) -> str:
    within = f"within {_duration(left_s)}" if left_s >= _MIN else "now"
    if rule is Limit.DRIVING_LIMIT:
        rest = _duration(rules.daily_rest_s)
        return (
            f"{_duration(rules.driving_limit_s)} driving limit ahead: stop driving {within} "
            f"and take a {rest} rest"
        )
    if rule is Limit.WINDOW:
        return f"the {_duration(rules.window_s or 0)} on-duty window closes: stop driving {within}"
    split = ""
    if rules.split_first_s is not None and rules.split_second_s is not None:
        split = f" (or {rules.split_first_s // _MIN} min then {rules.split_second_s // _MIN} min)"
    return f"take a {rules.break_s // _MIN}-minute break{split} {within}"


def _duration(seconds: float) -> str:
    """Whole minutes, rounded down, as a dispatcher reads them: "45 min", "4 h 30 min", "11 h"."""
    if seconds < _MIN:
        return f"{int(seconds)} s"
    hours, minutes = divmod(int(seconds) // _MIN, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@dataclass(frozen=True)
class DutyChange:
    """The driver's app reporting a new status from ``at`` (``id`` made on the device)."""

    id: str
    driver_id: str
    status: DutyStatus
    at: datetime

    def __post_init__(self) -> None:
        aware("at", self.at)
        if not 8 <= len(self.id) <= 64:
            raise InvalidValue("id", "must be 8-64 characters (a UUID made on the device)")


def periods_of(changes: Sequence[DutyChange], until: datetime) -> list[DutyPeriod]:
    """The periods the changes describe: each status lasts until the next change, the last
    until ``until``; changes at or after ``until`` are left out. Order of arrival is ignored."""
    aware("until", until)
    ordered = sorted((c for c in changes if c.at < until), key=lambda c: (c.at, c.id))
    ends = [c.at for c in ordered[1:]] + [until] if ordered else []
    return [
        DutyPeriod(c.status, c.at, end) for c, end in zip(ordered, ends, strict=True) if end > c.at
    ]
