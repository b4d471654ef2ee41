"""Drivers' hours of service: duty changes from the app, and the clock they add up to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.errors import InvalidValue
from doorstep.domain.fleet import Driver
from doorstep.domain.hours import (
    RULES,
    Clock,
    DutyChange,
    DutyStatus,
    Finding,
    RuleSet,
    clock,
    findings,
    periods_of,
)
from doorstep.domain.permissions import Permission
from doorstep.services.authorization import Principal, require
from doorstep.services.fleet import find_driver, own_driver
from doorstep.services.ports import Clock as Now
from doorstep.services.ports import UnitOfWork

# How far back the clock reads: enough to find the last daily rest before the current day.
LOOK_BACK = timedelta(hours=48)


@dataclass(frozen=True)
class DutyReport:
    stored: int
    duplicates: int


@dataclass(frozen=True)
class Hours:
    driver: Driver
    rule_set: RuleSet
    clock: Clock
    findings: tuple[Finding, ...]


def record_duty(
    principal: Principal,
    driver_ref: str,
    changes: Sequence[tuple[str, DutyStatus, datetime]],
    *,
    uow: UnitOfWork,
) -> DutyReport:
    """Store the app's status changes (id, status, from when); a resent one changes nothing.

    An id used before for another change is refused, naming it.
    """
    require(principal, Permission.SCANS_WRITE)
    org = principal.organisation_id
    with uow:
        driver = find_driver(uow, org, driver_ref)
        given = {i: DutyChange(i, driver.id, status, at) for i, status, at in changes}
        known = uow.duty.known(org, list(given))
        for change_id, stored in known.items():
            if stored != given[change_id]:
                raise InvalidValue("changes.id", f"{change_id!r} was used for another change")
        uow.duty.add_many(org, [c for i, c in given.items() if i not in known])
        uow.commit()
    return DutyReport(len(given) - len(known), len(known))


def hours(
    principal: Principal,
    driver_ref: str,
    rule_set: RuleSet | None = None,
    *,
    at: datetime | None = None,
    warn_before_s: int = 1800,
    uow: UnitOfWork,
    now: Now,
) -> Hours:
    """The driver's clock at ``at`` (now by default) with warnings and violations, under
    ``rule_set`` or else the driver's own (``Driver.hours_of_service``)."""
    require(principal, Permission.ORDERS_READ)
    instant = at or now.now()
    with uow:
        driver = find_driver(uow, principal.organisation_id, driver_ref)
        return _hours_of(uow, driver, rule_set, instant, warn_before_s)


def own_hours(principal: Principal, *, uow: UnitOfWork, now: Now) -> Hours:
    """The clock now of the driver linked to the caller's login, under the driver's own
    rules: a driver reads theirs and nobody else's (``hours`` is for dispatch, which reads
    orders). NotFound when the login is linked to no driver record."""
    require(principal, Permission.SCANS_WRITE)
    with uow:
        return _hours_of(uow, own_driver(uow, principal), None, now.now(), 1800)


def _hours_of(
    uow: UnitOfWork,
    driver: Driver,
    rule_set: RuleSet | None,
    instant: datetime,
    warn_before_s: int,
) -> Hours:
    changes = uow.duty.of_driver(driver.organisation_id, driver.id, instant - LOOK_BACK, instant)
    chosen = rule_set or rules_of(driver)
    rules = RULES[chosen]
    periods = periods_of(changes, instant)
    found = findings(periods, rules, warn_before_s=warn_before_s, at=instant)
    return Hours(driver, chosen, clock(periods, rules, instant), tuple(found))


def rules_of(driver: Driver) -> RuleSet:
    """The rule set a driver's ``hours_of_service`` names (e.g. eu-561-2006, us-fmcsa)."""
    named = driver.hours_of_service.lower()
    return RuleSet.FMCSA_PROPERTY if "fmcsa" in named or named.startswith("us") else RuleSet.EU_561
