"""A day's exception cases on SQLite and PostgreSQL: opened in the day, any status, in order."""

from __future__ import annotations

from datetime import timedelta

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.exceptions import ExceptionCase, ExceptionType, Resolution
from tests.adapters.storage.conftest import PLUS2, T0


def case(n: int, hours: float, org: str = "org_a") -> ExceptionCase:
    kind = ExceptionType.MISSED_SCAN if n % 2 else ExceptionType.MIS_SORT
    at = T0 + timedelta(hours=hours)
    return ExceptionCase.open(f"exc_{n}", org, kind, f"key:{n}", "s", at)


def test_cases_opened_in_a_day_come_back_open_or_resolved(
    container: Container, org: Organisation
) -> None:
    """Of cases opened -1 h, 0 h (resolved), 5 h and 24 h from the day's start, only the two
    inside [start, start + 24 h) come back, by opening time; another organisation's never."""
    resolved = case(2, 0).resolved(Resolution.FIXED, T0 + timedelta(hours=1), "usr_1")
    with container.uow() as uow:
        for c in (case(1, -1), resolved, case(3, 5), case(4, 24)):
            uow.exceptions.add(c)
        uow.commit()
    with container.reader() as uow:
        found = uow.exceptions.opened_between("org_a", T0.astimezone(PLUS2), T0 + timedelta(days=1))
        other = uow.exceptions.opened_between("org_b", T0, T0 + timedelta(days=1))
    assert [c.id for c in found] == ["exc_2", "exc_3"]
    assert found[0] == resolved
    assert other == []
