"""What-if arithmetic: a base scenario and its variants, played on the same seeds, compared.

Each seed draws one day for the base and one for each variant; the days differ only by the
variation, so the variant's effect on a KPI is read from the paired difference (variant -
base) seed by seed, not from the difference of two means, which would add the seeds' own
spread to it. For each KPI the comparison gives the means of base and variant, the mean of
the paired differences, their sample standard deviation (n - 1; none below two pairs) and
their smallest and largest. A KPI undefined on a seed (``Ratio.value`` None: no deliveries,
say) leaves that seed out of its pairs and of that side's mean.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from doorstep.domain.kpis import Scorecard

# The headline KPIs of a day: (key, label, unit). Rates are shares (0.93), the rest per stop
# done (cost, CO2) or per planned stop (metres), as domain.kpis defines them.
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("on_time", "on time", "share"),
    ("first_attempt", "first attempt", "share"),
    ("m_per_stop", "planned m / stop", "m"),
    ("cost_per_stop", "cost / stop", "currency"),
    ("vehicles_used", "vehicles used", "count"),
    ("stops_per_hour", "stops / hour", "count"),
    ("co2_g_per_stop", "CO2 g / stop", "g"),
)


def headline(day: Scorecard, vehicles_used: int) -> dict[str, float | None]:
    """The headline KPIs of a day's scorecard; ``vehicles_used``: routes with stops."""
    road = day.road
    return {
        "on_time": day.on_time.value,
        "first_attempt": day.first_attempt.value,
        "m_per_stop": road.planned_m_per_stop.value,
        "cost_per_stop": road.cost_per_stop.value,
        "vehicles_used": float(vehicles_used),
        "stops_per_hour": road.stops_per_hour.value,
        "co2_g_per_stop": road.co2_g_per_stop.value,
    }


@dataclass(frozen=True)
class Difference:
    """One KPI of one variant against the base, over the seeds."""

    kpi: str
    base_mean: float | None  # None: undefined on every seed
    variant_mean: float | None
    mean: float | None  # of the paired differences, variant - base
    sd: float | None  # sample standard deviation of the differences; None below two pairs
    low: float | None  # the smallest difference
    high: float | None  # the largest
    pairs: int  # seeds where both are defined


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def paired(kpi: str, base: Sequence[float | None], variant: Sequence[float | None]) -> Difference:
    """Compare one KPI seed by seed: ``base[i]`` and ``variant[i]`` are seed i's values."""
    if len(base) != len(variant):
        raise ValueError(f"{kpi}: {len(base)} base values but {len(variant)} variant values")
    diffs = [v - b for b, v in zip(base, variant, strict=True) if b is not None and v is not None]
    return Difference(
        kpi=kpi,
        base_mean=_mean(base),
        variant_mean=_mean(variant),
        mean=statistics.fmean(diffs) if diffs else None,
        sd=statistics.stdev(diffs) if len(diffs) >= 2 else None,
        low=min(diffs) if diffs else None,
        high=max(diffs) if diffs else None,
        pairs=len(diffs),
    )


def compare(
    base: Sequence[Mapping[str, float | None]], variant: Sequence[Mapping[str, float | None]]
) -> list[Difference]:
    """Every headline KPI of a variant against the base; item i of each is seed i's day."""
    return [
        paired(key, [b.get(key) for b in base], [v.get(key) for v in variant])
        for key, _, _ in HEADLINE
    ]
