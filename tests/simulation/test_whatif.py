"""What-if arithmetic on hand-worked numbers: paired differences, their mean and spread."""

from __future__ import annotations

import math

import pytest

from doorstep.simulation.whatif import HEADLINE, compare, paired


def test_paired_differences_by_hand() -> None:
    """Base 10, 12, 14 and variant 11, 15, 14: differences 1, 3, 0; mean 4/3; the sample
    variance ((1-4/3)^2 + (3-4/3)^2 + (0-4/3)^2) / 2 = (1/9 + 25/9 + 16/9) / 2 = 7/3."""
    found = paired("on_time", [10.0, 12.0, 14.0], [11.0, 15.0, 14.0])
    assert found.base_mean == pytest.approx(12.0)
    assert found.variant_mean == pytest.approx(40 / 3)
    assert found.mean == pytest.approx(4 / 3)
    assert found.sd == pytest.approx(math.sqrt(7 / 3))
    assert (found.low, found.high, found.pairs) == (0.0, 3.0, 3)


def test_the_pairs_keep_the_seeds_spread_out_of_the_difference() -> None:
    """Seeds far apart, the variant one better on each: the difference has no spread."""
    found = paired("cost_per_stop", [1.0, 5.0, 9.0], [2.0, 6.0, 10.0])
    assert found.mean == pytest.approx(1.0)
    assert found.sd == pytest.approx(0.0)


def test_an_undefined_kpi_leaves_its_seed_out() -> None:
    """Seed 2's variant is undefined: the pairs are seeds 1 and 3 (differences -1 and 1),
    the base mean still counts all three seeds."""
    found = paired("first_attempt", [0.5, 0.7, 0.9], [-0.5 + 1.0 - 1.0, None, 1.9])
    assert found.pairs == 2
    assert found.base_mean == pytest.approx(0.7)
    assert found.variant_mean == pytest.approx((-0.5 + 1.9) / 2)
    assert found.mean == pytest.approx(0.0)
    assert found.sd == pytest.approx(math.sqrt(2))
    assert (found.low, found.high) == (pytest.approx(-1.0), pytest.approx(1.0))


def test_one_seed_has_no_spread_and_none_has_nothing() -> None:
    one = paired("vehicles_used", [4.0], [6.0])
    assert (one.mean, one.sd, one.low, one.high) == (2.0, None, 2.0, 2.0)
    none = paired("on_time", [None, None], [0.9, None])
    assert (none.base_mean, none.variant_mean, none.mean, none.pairs) == (None, 0.9, None, 0)


def test_unequal_seeds_are_a_mistake() -> None:
    with pytest.raises(ValueError, match="2 base values but 1 variant"):
        paired("on_time", [1.0, 2.0], [1.0])


def test_compare_gives_every_headline_kpi_in_order() -> None:
    base = [{"on_time": 0.9, "vehicles_used": 4.0}, {"on_time": 0.8, "vehicles_used": 4.0}]
    variant = [{"on_time": 0.95, "vehicles_used": 6.0}, {"on_time": 0.9, "vehicles_used": 6.0}]
    found = compare(base, variant)
    assert [d.kpi for d in found] == [key for key, _, _ in HEADLINE]
    by_kpi = {d.kpi: d for d in found}
    assert by_kpi["on_time"].mean == pytest.approx(0.075)
    assert by_kpi["on_time"].sd == pytest.approx(math.sqrt(2) * 0.025)
    assert by_kpi["vehicles_used"].mean == 2.0
    assert by_kpi["cost_per_stop"].pairs == 0  # not given: undefined
