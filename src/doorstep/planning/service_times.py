"""Service (dwell) times learned from history: per address, per kind of stop, else as planned.

An estimate is log-normal: dwell times are positive and skewed (most stops are quick, a few
take minutes: stairs, no lift, a neighbour to find), and in log space the effects of an
address and a kind of stop add up. The fallback chain is address -> kind -> planned:

- a **kind** (``stop_kind``: pickup, or a delivery of 1, 2-3 or 4+ parcels) gets the mean and
  spread of its observed log seconds, shrunk toward the stop's planned time by
  ``kind_prior_n`` pseudo-observations, so a kind seen a handful of times moves only a little;
- an **address** gets an offset from its kind: the mean of its observations' residuals from
  their kinds' means, shrunk toward 0 by ``k = within variance / between variance``
  (empirical Bayes, both variances estimated from the history, ``k`` kept within 0.5-3), so
  one slow visit moves an address less than ten do; its spread is the within-address spread
  plus the offset's own uncertainty;
- with neither, the planned time is the median with a ``prior_sigma`` spread.

Everything is summed with ``math.fsum`` over keys in sorted order, so the same observations in
any order give exactly the same model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

Z90 = NormalDist().inv_cdf(0.9)  # the 90th percentile of a standard normal, about 1.2816
PICKUP = "pickup"


def stop_kind(*, pickup: bool, parcels: int) -> str:
    """The kind of a stop for learning: ``pickup`` or ``delivery:1``, ``:2-3``, ``:4+``."""
    if pickup:
        return PICKUP
    if parcels <= 1:
        return "delivery:1"
    return "delivery:2-3" if parcels <= 3 else "delivery:4+"


@dataclass(frozen=True)
class ServiceObservation:
    """One observed service: ``seconds`` from the start of service to leaving the stop."""

    address_key: str
    kind: str
    seconds: float


@dataclass(frozen=True)
class ServiceEstimate:
    """A log-normal service time: log(seconds) ~ Normal(``mu_log``, ``sigma_log``^2)."""

    mu_log: float
    sigma_log: float
    source: str  # "address", "kind" or "planned": the level of the fallback chain used

    def quantile_s(self, q: float) -> float:
        return math.exp(self.mu_log + self.sigma_log * NormalDist().inv_cdf(q))

    @property
    def p10_s(self) -> float:
        return math.exp(self.mu_log - Z90 * self.sigma_log)

    @property
    def p50_s(self) -> float:
        return math.exp(self.mu_log)

    @property
    def p90_s(self) -> float:
        return math.exp(self.mu_log + Z90 * self.sigma_log)


@dataclass(frozen=True)
class _Level:
    """Log seconds seen at one level: how many, their mean and their spread."""

    n: int
    mean: float
    sd: float
    centre: float = 0.0  # the log-normal centre whose mean is the observed mean (kinds only)


@dataclass(frozen=True)
class ServiceTimes:
    """The learned model; ``ServiceTimes.learn(history)`` builds it, ``estimate`` reads it."""

    kinds: Mapping[str, _Level] = field(default_factory=dict)
    addresses: Mapping[str, _Level] = field(default_factory=dict)  # mean: the shrunk offset
    within_sd: float = 0.35
    prior_sigma: float = 0.35
    kind_prior_n: float = 5.0

    @classmethod
    def learn(
        cls,
        history: Iterable[ServiceObservation],
        *,
        prior_sigma: float = 0.35,
        kind_prior_n: float = 5.0,
    ) -> ServiceTimes:
        """Learn from past services; observations of zero or fewer seconds are ignored."""
        logs_by_kind: dict[str, list[float]] = defaultdict(list)
        seen = [o for o in history if o.seconds > 0]
        for o in seen:
            logs_by_kind[o.kind].append(math.log(o.seconds))
        kinds = {k: _level(logs_by_kind[k], prior_sigma) for k in sorted(logs_by_kind)}
        residuals: dict[str, list[float]] = defaultdict(list)
        for o in seen:
            residuals[o.address_key].append(math.log(o.seconds) - kinds[o.kind].mean)
        groups = [sorted(residuals[a]) for a in sorted(residuals)]
        within_var, k = _variances(groups, prior_sigma)
        addresses = {
            a: _Level(len(g), math.fsum(g) / (len(g) + k), math.sqrt(within_var / (len(g) + k)))
            for a, g in zip(sorted(residuals), groups, strict=True)
        }
        return cls(kinds, addresses, math.sqrt(within_var), prior_sigma, kind_prior_n)

    def estimate(self, address_key: str, kind: str, planned_s: float) -> ServiceEstimate:
        """The service time of a stop of ``kind`` at ``address_key`` planned at ``planned_s``."""
        planned_log = math.log(max(planned_s, 1.0))
        level = self.kinds.get(kind)
        if level is None:
            centre = log_mean = planned_log
            sigma, source = self.prior_sigma, "planned"
        else:
            weight = level.n / (level.n + self.kind_prior_n)  # the rest goes to the plan
            centre = weight * level.centre + (1 - weight) * planned_log
            log_mean = weight * level.mean + (1 - weight) * planned_log
            var = weight * level.sd**2 + (1 - weight) * self.prior_sigma**2
            sigma, source = math.sqrt(var), "kind"
        address = self.addresses.get(address_key)
        if address is None:
            return ServiceEstimate(centre, sigma, source)
        # A known address: its offset from the kind's log mean, and its own spread, not the
        # kind's (which includes the other addresses).
        sigma = math.sqrt(self.within_sd**2 + address.sd**2)
        return ServiceEstimate(log_mean + address.mean, sigma, "address")


def _level(logs: list[float], prior_sigma: float) -> _Level:
    """A kind's log seconds. ``centre`` matches the observed arithmetic mean, not the median.

    A kind mixes quick addresses with a few very slow ones, a heavier right tail than one
    log-normal has; fitted on logs alone it would underrate the mean, and a route's ETA is a
    sum of many services, so the mean is what must come out right.
    """
    ordered = sorted(logs)
    mean = math.fsum(ordered) / len(ordered)
    if len(ordered) < 2:
        return _Level(len(ordered), mean, prior_sigma, mean)
    var = math.fsum((x - mean) ** 2 for x in ordered) / (len(ordered) - 1)
    average = math.fsum(math.exp(x) for x in ordered) / len(ordered)
    return _Level(len(ordered), mean, math.sqrt(var), math.log(average) - var / 2)


def _variances(groups: list[list[float]], prior_sigma: float) -> tuple[float, float]:
    """The within-address variance and the shrinkage ``k`` (within over between variance).

    With too little history to tell them apart, the within variance is the prior's and ``k``
    is 3: an address needs about three visits before its own mean counts for more than half.
    """
    dof = sum(len(g) - 1 for g in groups)
    if dof < 2 or len(groups) < 3:
        return prior_sigma**2, 3.0
    means = [math.fsum(g) / len(g) for g in groups]
    within = math.fsum((x - m) ** 2 for g, m in zip(groups, means, strict=True) for x in g) / dof
    centre = math.fsum(means) / len(means)
    spread = math.fsum((m - centre) ** 2 for m in means) / (len(means) - 1)
    noise = within * math.fsum(1 / len(g) for g in groups) / len(groups)
    between = max(spread - noise, 1e-6)
    # k at most 3: a few addresses are far slower than the rest (stairs, no lift), a heavy
    # tail a normal prior underrates, so their own mean should lead after a few visits.
    return within, min(max(within / between, 0.5), 3.0)
