"""The fakes behave like the SQL adapters the service tests stand them in for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import Conflict
from tests.services.conftest import T0
from tests.services.fakes import FakeClock, FakeUnitOfWork


def org(org_id: str, slug: str | None = None) -> Organisation:
    return Organisation(org_id, "Org", slug or org_id.replace("_", "-"), T0)


def stored_ids(uow: FakeUnitOfWork) -> list[str]:
    with uow:
        return [o.id for o in uow.organisations.list()]


def test_unit_of_work_commits_only_at_the_outermost_level() -> None:
    """Nested blocks join the outer one: an inner commit is undone unless the outer commits."""
    uow = FakeUnitOfWork()
    with uow:
        with uow:
            uow.organisations.add(org("org_a"))
            uow.commit()
        assert uow.organisations.get("org_a") is not None
    assert stored_ids(uow) == []
    with uow:
        with uow:
            uow.organisations.add(org("org_b"))
        uow.commit()
        uow.organisations.add(org("org_c"))
    assert stored_ids(uow) == ["org_b"]


def test_loaded_objects_are_copies() -> None:
    """Changing a loaded object changes nothing stored until update is called."""
    uow = FakeUnitOfWork()
    with uow:
        uow.organisations.add(org("org_a"))
        loaded = uow.organisations.get("org_a")
        assert loaded is not None
        loaded.name = "Changed"
        assert uow.organisations.get("org_a") == org("org_a")


def test_unique_values_conflict_and_repositories_need_a_block() -> None:
    """A duplicate unique value raises Conflict; use outside ``with`` is an error."""
    uow = FakeUnitOfWork()
    with uow:
        uow.organisations.add(org("org_a", "same"))
        with pytest.raises(Conflict):
            uow.organisations.add(org("org_b", "same"))
    with pytest.raises(RuntimeError):
        uow.organisations.get("org_a")


def test_clock_stands_still_or_steps() -> None:
    """A clock without step repeats its time; with a step each reading moves on."""
    still, stepping = FakeClock(T0), FakeClock(T0, step=timedelta(seconds=5))
    assert [still.now(), still.now()] == [T0, T0]
    assert [stepping.now(), stepping.now()] == [T0, T0 + timedelta(seconds=5)]
    still.advance(timedelta(hours=1))
    assert still.now() == T0 + timedelta(hours=1)
