"""Plan versions load equal to what was stored, one published per day, found by their orders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from doorstep.domain.errors import Conflict
from doorstep.planning.explanation import explain
from doorstep.planning.nearest import NearestNeighbourOptimizer
from doorstep.planning.problem import LockedRoute
from doorstep.planning.versions import PlanStatus, PlanVersion, lock_route
from tests.adapters.storage.conftest import T0, organisation, station
from tests.planning.factories import Shape, random_problem

DAY = date(2026, 11, 23)
EPOCH = datetime(2026, 11, 23, tzinfo=ZoneInfo("Europe/Helsinki"))
# Every feature a stored problem can carry: windows, breaks, skills, pickups, optional
# stops, two depots and two travel profiles.
SHAPE = Shape(
    stops=14, vehicles=3, depots=2, breaks=True, skills=True, pickups=True, optional=True,
    max_duration=True, profiles=True,
)  # fmt: skip


def version(number: int = 1, seed: int = 3, **changes: object) -> PlanVersion:
    """A planned, explained day with locks, a left-out order and coordinates."""
    problem = random_problem(seed, SHAPE)
    problem = replace(
        problem,
        epoch=EPOCH,
        coordinates=tuple((60.1 + i / 1000, 24.9 + i / 3000) for i in range(16)),
        locked=(LockedRoute("v0", (), closed=True),),
    )
    found = NearestNeighbourOptimizer().optimize(problem, time_limit_s=1.0)
    plan = replace(explain(problem, found), runtime_s=0.123456789, notes=("a note",))
    made = PlanVersion(
        id=f"pln_{number}",
        organisation_id="org_a",
        station_id="stn_1",
        service_date=DAY,
        number=number,
        created_at=T0 + timedelta(minutes=number),
        created_by="user:usr_1",
        status=PlanStatus.DRAFT,
        epoch=EPOCH,
        time_limit_s=2.5,
        seed=seed,
        plan=plan,
        inputs=replace(problem, matrices={}),
        left_out=(("ord_nowhere", "the order has no location"),),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def stored(container: Container, *versions: PlanVersion) -> None:
    with container.uow() as uow:
        for v in versions:
            uow.plans.add(v)
        uow.commit()


def updated(container: Container, v: PlanVersion) -> None:
    with container.uow() as uow:
        uow.plans.update(v)
        uow.commit()


def test_plan_version_round_trip(container: Container, org: Organisation) -> None:
    """A version with routes, reasons, bindings, inputs and locks loads equal to what was stored."""
    first = version()
    assert first.plan.routes, "the sample has routes"
    assert first.plan.unassigned, "the sample leaves stops out"
    assert any(u.reason for u in first.plan.unassigned)
    locked = lock_route(first, first.plan.routes[-1].vehicle_id)
    stored(container, locked)
    with container.uow() as uow:
        loaded = uow.plans.get(org.id, locked.id)
        assert loaded == locked
        assert loaded is not None
        assert loaded.epoch.tzinfo == EPOCH.tzinfo
        assert uow.plans.get("org_other", locked.id) is None


def test_day_listing_latest_and_next_number(container: Container, org: Organisation) -> None:
    """Versions of a day list by number; the latest is the highest; the next number follows."""
    with container.uow() as uow:
        assert uow.plans.next_number(org.id, "stn_1", DAY) == 1
    stored(container, version(2, seed=4), version(1))
    with container.uow() as uow:
        assert [v.number for v in uow.plans.list(org.id, "stn_1", DAY)] == [1, 2]
        latest = uow.plans.latest(org.id, "stn_1", DAY)
        assert (latest and latest.number) == 2
        assert uow.plans.next_number(org.id, "stn_1", DAY) == 3
        assert uow.plans.latest(org.id, "stn_1", DAY + timedelta(days=1)) is None
    with pytest.raises(Conflict):
        stored(container, version(2, id="pln_again"))


def test_only_one_version_of_a_day_is_published(container: Container, org: Organisation) -> None:
    """Publishing a second version while the first still is breaks the unique constraint."""
    stored(container, version(1), version(2))
    updated(container, version(1).move_to(PlanStatus.PUBLISHED, T0))
    with container.uow() as uow:
        reloaded = uow.plans.get(org.id, "pln_1")
        assert reloaded is not None
        assert (reloaded.status, reloaded.published_at) == (PlanStatus.PUBLISHED, T0)
    second = version(2).move_to(PlanStatus.PUBLISHED, T0)
    with pytest.raises(Conflict):
        updated(container, second)


def test_the_newest_version_holding_an_order_is_found(
    container: Container, org: Organisation
) -> None:
    """Routed, left-out and never-planned orders each find the newest version that has them."""
    first, second = version(1), version(2, seed=4)
    stored(container, first, second)
    routed = second.plan.routes[0].stop_ids[0]
    with container.uow() as uow:
        holder = uow.plans.containing(org.id, routed)
        assert (holder and holder.id) == "pln_2"
        nowhere = uow.plans.containing(org.id, "ord_nowhere")
        assert (nowhere and nowhere.id) == "pln_2"
        assert uow.plans.containing(org.id, "ord_unknown") is None
        assert uow.plans.containing("org_b", routed) is None


def test_another_organisation_sees_none_of_them(container: Container, org: Organisation) -> None:
    """Listing and latest are scoped to the organisation, like every other query."""
    with container.uow() as uow:
        uow.organisations.add(organisation("org_b"))
        uow.stations.add(station("org_b", "stn_2", "HEL2"))
        uow.commit()
    stored(container, version(1))
    with container.uow() as uow:
        assert uow.plans.list("org_b", "stn_1", DAY) == []
        assert uow.plans.latest("org_b", "stn_1", DAY) is None
        assert uow.plans.next_number("org_b", "stn_1", DAY) == 1


def test_the_days_versions_are_read_whole_once_and_again_when_they_change(
    container: Container, org: Organisation
) -> None:
    """The published version read twice is decoded once (the same object); publishing another
    or locking a route reads the new state; another organisation still sees nothing."""
    stored(container, version(1), version(2))
    updated(container, version(1).move_to(PlanStatus.PUBLISHED, T0))
    with container.uow() as uow:
        first = uow.plans.published(org.id, "stn_1", DAY)
        again = uow.plans.published(org.id, "stn_1", DAY)
        assert first is not None
        assert again is first
        assert uow.plans.published("org_other", "stn_1", DAY) is None
    locked = lock_route(first, first.plan.routes[0].vehicle_id)
    updated(container, locked)
    with container.uow() as uow:
        now = uow.plans.published(org.id, "stn_1", DAY)
        assert now == locked
        assert now is not first
    updated(container, locked.move_to(PlanStatus.SUPERSEDED, T0))
    updated(container, version(2).move_to(PlanStatus.PUBLISHED, T0))
    with container.uow() as uow:
        latest = uow.plans.published(org.id, "stn_1", DAY)
        assert latest is not None
        assert (latest.number, latest.status) == (2, PlanStatus.PUBLISHED)
        assert uow.plans.latest(org.id, "stn_1", DAY) == latest
