"""Service times learned from history: address, then kind, then the planned time."""

from __future__ import annotations

import random

import pytest

from doorstep.planning.service_times import (
    ServiceObservation,
    ServiceTimes,
    stop_kind,
)

ONE = stop_kind(pickup=False, parcels=1)


def history(
    seed: int = 1, slow: str = "slow st 1", slow_visits: int = 8
) -> list[ServiceObservation]:
    """Forty ordinary addresses around 80 s, and one address about three times slower."""
    rng = random.Random(seed)
    seen = [
        ServiceObservation(f"street {a}", ONE, 80 * rng.lognormvariate(0, 0.3))
        for a in range(40)
        for _ in range(4)
    ]
    seen += [
        ServiceObservation(slow, ONE, 240 * rng.lognormvariate(0, 0.3)) for _ in range(slow_visits)
    ]
    return seen


def test_no_history_falls_back_to_the_planned_time() -> None:
    """With nothing learned the median is the planned time, and p10 < p50 < p90."""
    guess = ServiceTimes.learn([]).estimate("anywhere", ONE, 95)
    assert guess.source == "planned"
    assert guess.p50_s == pytest.approx(95)
    assert guess.p10_s < guess.p50_s < guess.p90_s


def test_an_unknown_address_uses_its_kind() -> None:
    """An address never visited gets its kind's learned median, not the planned time."""
    guess = ServiceTimes.learn(history()).estimate("new street 9", ONE, 200)
    assert guess.source == "kind"
    assert 80 < guess.p50_s < 110  # the kind's median (the slow address pulls it up a little)


def test_a_learned_slow_address_lengthens_its_service() -> None:
    """An address consistently three times slower is predicted far slower than its kind."""
    model = ServiceTimes.learn(history())
    slow = model.estimate("slow st 1", ONE, 80)
    usual = model.estimate("new street 9", ONE, 80)
    assert slow.source == "address"
    assert slow.p50_s > 2 * usual.p50_s
    assert slow.p10_s > usual.p50_s


def test_few_observations_are_shrunk_toward_the_kind() -> None:
    """One slow visit moves an address less than eight do, and both lie above the kind."""
    one = ServiceTimes.learn(history(slow_visits=1)).estimate("slow st 1", ONE, 80)
    many = ServiceTimes.learn(history(slow_visits=8)).estimate("slow st 1", ONE, 80)
    kind = ServiceTimes.learn(history(slow_visits=8)).estimate("nowhere", ONE, 80)
    assert kind.p50_s < one.p50_s < many.p50_s


def test_kinds_are_learned_apart() -> None:
    """Pickups learned slower than one-parcel deliveries are predicted slower."""
    rng = random.Random(2)
    pickup = stop_kind(pickup=True, parcels=1)
    seen = [ServiceObservation(f"a{k}", ONE, 60 * rng.lognormvariate(0, 0.2)) for k in range(50)]
    seen += [
        ServiceObservation(f"b{k}", pickup, 150 * rng.lognormvariate(0, 0.2)) for k in range(50)
    ]
    model = ServiceTimes.learn(seen)
    assert model.estimate("c", pickup, 90).p50_s > 2 * model.estimate("c", ONE, 90).p50_s


def test_parcel_counts_fall_into_buckets() -> None:
    """One, two to three and four or more parcels are three kinds; a pickup is its own."""
    kinds = [stop_kind(pickup=False, parcels=n) for n in (1, 2, 3, 4, 9)]
    assert kinds == ["delivery:1", "delivery:2-3", "delivery:2-3", "delivery:4+", "delivery:4+"]
    assert stop_kind(pickup=True, parcels=3) == "pickup"


def test_the_same_history_in_any_order_gives_the_same_model() -> None:
    """Learning is deterministic and does not depend on the order of the observations."""
    seen = history()
    shuffled = list(seen)
    random.Random(5).shuffle(shuffled)
    assert ServiceTimes.learn(seen) == ServiceTimes.learn(shuffled)
