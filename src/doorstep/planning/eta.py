"""Predicted arrivals, with a p10-p90 window and a late-risk flag, for a route's remaining stops.

``live_etas`` is recomputed on each ping and scan from what is known then: where the van is
(or which stop it serves since when), the remaining sequence, road travel times for the time of
day, service times learned from history (``service_times``) and how today's completed legs and
services ran against their predictions (``Drift``). ``planned_etas`` is the baseline: the
published plan's arrival times, unchanged all day.

Method: Monte-Carlo over ``samples`` futures from ``numpy.random.default_rng(seed)``. Each
future draws one bias for all its legs and one for all its services (a slow day or a slow
driver moves every later stop, so uncertainty grows faster than the square root of the stops
left) and an independent log-normal factor per leg and per service; the van waits for window
openings and takes its break as planned. Quantiles are read per stop across futures. Each
future's arrivals only grow along the sequence, so every quantile does too; windows grow with
the horizon except where waiting for a window opening absorbs earlier uncertainty. The same
seed for every recompute (common random numbers) keeps an ETA from jittering between pings.

Travel times: one matrix call per recompute, at the hour the van drives on, giving each leg
of the sequence. A leg later in the day is scaled by ``TrafficProfile`` (the provider's own
time-of-day factors, measured once a day by ``measure_traffic``): asking the provider for
every leg at its own departure would take one call per leg, since departures depend on the
legs before them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import Location
from doorstep.planning.plan import Route
from doorstep.planning.problem import Window, local_time
from doorstep.planning.service_times import ServiceTimes
from doorstep.planning.travel import TravelTimes

Floats = npt.NDArray[np.float64]
HOUR_S = 3600


@dataclass(frozen=True)
class RemainingStop:
    """A stop still to serve, in route order; ``windows`` as in ``planning.problem.Stop``."""

    stop_id: str
    location: Location
    windows: tuple[Window, ...] = ()
    planned_service_s: int = 0
    address_key: str = ""
    kind: str = ""


@dataclass(frozen=True)
class VehicleState:
    """What the last ping or scan says, at ``now_s``.

    Driving (``serving`` False): the van was at ``location`` at ``since_s`` (its last stop's
    departure, a GPS ping, or the station with its planned start when it has not left) and
    drives on to the first remaining stop. Serving: it arrived at the first remaining stop
    (``location``) at ``since_s`` and is still there.
    """

    now_s: int
    location: Location
    since_s: int
    serving: bool = False


@dataclass(frozen=True)
class Pause:
    """The driver's break: ``duration_s`` after remaining stop ``after`` (-1: before the first)."""

    after: int
    duration_s: int
    not_before_s: int = 0


@dataclass(frozen=True)
class Drift:
    """How actual times run against predictions today, as log(actual / predicted).

    Per item ``Normal(bias, sigma^2)``, with ``bias`` itself uncertain (``bias_sd``): the
    posterior of a normal prior ``Normal(0, prior_bias_sd^2)`` after ``n`` observations, so a
    route with few completed legs stays near the prior and one with many follows its own.
    """

    bias: float = 0.0
    bias_sd: float = 0.15
    sigma: float = 0.25
    n: int = 0

    @classmethod
    def learn(
        cls,
        pairs: Sequence[tuple[float, float]],
        *,
        prior_bias_sd: float = 0.15,
        prior_sigma: float = 0.25,
        prior_n: float = 5.0,
    ) -> Drift:
        """From (predicted, actual) seconds pairs; pairs not both positive are ignored."""
        logs = [math.log(a / p) for p, a in pairs if p > 0 and a > 0]
        n = len(logs)
        if n == 0:
            return cls(0.0, prior_bias_sd, prior_sigma, 0)
        mean = math.fsum(logs) / n
        squares = math.fsum((x - mean) ** 2 for x in logs)
        # The spread is shrunk like the bias: prior_n pseudo-observations at prior_sigma.
        sigma = math.sqrt((prior_n * prior_sigma**2 + squares) / max(prior_n + n - 1, 1.0))
        precision = 1 / prior_bias_sd**2 + n / sigma**2
        return cls(mean * (n / sigma**2) / precision, math.sqrt(1 / precision), sigma, n)


@dataclass(frozen=True)
class TrafficProfile:
    """Travel-time factors per local hour (1.0 = free flow), for legs later than the matrix."""

    factors: tuple[float, ...] = (1.0,) * 24

    def __post_init__(self) -> None:
        if len(self.factors) != 24 or min(self.factors) <= 0:
            raise ValueError("a traffic profile has 24 positive factors")


@dataclass(frozen=True)
class EtaModel:
    """What has been learned: service times, today's drifts, the traffic, and how to sample.

    ``late_risk_at``: the share of futures starting service after the window that raises the
    flag. At 0.1 the flag goes up when the p90 start passes the window end, while the p50
    (the ETA shown) may still be in time: the dispatcher hears of a likely late stop first.
    """

    service: ServiceTimes = field(default_factory=ServiceTimes)
    legs: Drift = field(default_factory=Drift)
    services: Drift = field(default_factory=lambda: Drift(bias_sd=0.1, sigma=0.0))
    traffic: TrafficProfile = field(default_factory=TrafficProfile)
    samples: int = 400
    seed: int = 0
    late_risk_at: float = 0.1


@dataclass(frozen=True)
class StopEta:
    """A stop's predicted arrival (p50) and window (p10-p90), seconds from the plan's epoch."""

    stop_id: str
    p10_s: int
    p50_s: int
    p90_s: int
    late_probability: float
    late_risk: bool


def measure_traffic(
    travel: TravelTimes,
    points: Sequence[Location],
    *,
    midnight: datetime,
    profile: SpeedProfile = SpeedProfile.VAN,
) -> TrafficProfile:
    """The provider's time-of-day factors over ``points`` (a sample of the day's places).

    25 matrix calls (free flow and each hour after ``midnight``, an aware local midnight); a
    provider that ignores departures gives a flat profile. Once a day is enough.
    """
    free = float(travel.matrix(points, profile=profile).durations_s.sum())
    if free <= 0:
        return TrafficProfile()
    hours = (midnight + timedelta(hours=h) for h in range(24))
    sums = (
        float(travel.matrix(points, profile=profile, departure=d).durations_s.sum()) for d in hours
    )
    return TrafficProfile(tuple(max(s / free, 0.01) for s in sums))


def planned_etas(route: Route, stops: Sequence[RemainingStop]) -> tuple[StopEta, ...]:
    """The baseline: each remaining stop's planned arrival, as published (no window)."""
    arrival = {v.stop_id: v.arrival_s for v in route.visits}
    out = []
    for stop in stops:
        at = arrival[stop.stop_id]
        late = bool(_late(np.array([float(at)]), stop.windows)[0])
        out.append(StopEta(stop.stop_id, at, at, at, float(late), late))
    return tuple(out)


def live_etas(
    state: VehicleState,
    stops: Sequence[RemainingStop],
    *,
    travel: TravelTimes,
    epoch: datetime,
    model: EtaModel,
    pause: Pause | None = None,
    profile: SpeedProfile = SpeedProfile.VAN,
) -> tuple[StopEta, ...]:
    """ETAs of ``stops`` (in route order) from ``state``; one matrix call. See the module doc."""
    if not stops:
        return ()
    drive_from = max(state.now_s, state.since_s)
    legs_s = _legs(state, stops, travel, local_time(epoch, drive_from), profile)
    clock = _Clock(model, epoch, drive_from, len(stops))
    t = np.full(model.samples, float(state.since_s))
    out = []
    if pause is not None and pause.after == -1:
        t = np.maximum(t, pause.not_before_s) + pause.duration_s
    for i, stop in enumerate(stops):
        if i == 0 and state.serving:
            arrival = np.full(model.samples, float(state.since_s))
        else:
            # Under way since ``t`` (after the break, if it came first): not yet arrived.
            elapsed = state.now_s - t if i == 0 else None
            arrival = t + clock.leg(i, legs_s[i], t, elapsed)
        start = _start(arrival, stop.windows)
        elapsed_service = state.now_s - start if i == 0 and state.serving else None
        t = start + clock.service(i, stop, elapsed_service)
        if pause is not None and pause.after == i:
            t = np.maximum(t, pause.not_before_s) + pause.duration_s
        out.append(_summary(stop, arrival, _late(arrival, stop.windows), model.late_risk_at))
    return tuple(out)


class _Clock:
    """The random numbers of one recompute, drawn up front in a fixed order (determinism)."""

    def __init__(self, model: EtaModel, epoch: datetime, drive_from_s: int, count: int) -> None:
        rng = np.random.default_rng(model.seed)
        n = model.samples
        self.model = model
        self.leg_bias = model.legs.bias + model.legs.bias_sd * rng.standard_normal(n)
        self.service_bias = model.services.bias + model.services.bias_sd * rng.standard_normal(n)
        self.leg_z = rng.standard_normal((count, n))
        self.service_z = rng.standard_normal((count, n))
        self.first_u = rng.random((2, n))  # for the two draws conditioned on what is known
        midnight = epoch.replace(hour=0, minute=0, second=0, microsecond=0)
        # Hours by arithmetic from the epoch's local time of day: a day the clocks change is
        # an hour off after the change, which the traffic factors hardly notice.
        self.offset_s = (epoch - midnight).total_seconds()
        self.factors = np.array(model.traffic.factors)
        self.base_factor = self.factors[self._hours(np.array([float(drive_from_s)]))[0]]

    def _hours(self, t_s: Floats) -> npt.NDArray[np.int64]:
        return ((t_s + self.offset_s) // HOUR_S).astype(np.int64) % 24

    def leg(self, i: int, base_s: float, leave_s: Floats, elapsed_s: Floats | None) -> Floats:
        """Leg ``i``'s duration per future; beyond ``elapsed_s`` when it is under way."""
        scaled = base_s * self.factors[self._hours(leave_s)] / self.base_factor
        mu = np.log(np.maximum(scaled, 1.0)) + self.leg_bias
        z = self.leg_z[i]
        if elapsed_s is None or base_s <= 0 or not bool(np.any(elapsed_s > 0)):
            return np.where(scaled > 0, np.exp(mu + self.model.legs.sigma * z), 0.0)
        floor = np.log(np.maximum(elapsed_s, 1.0))
        z = _beyond(mu, self.model.legs.sigma, floor, z, self.first_u[0])
        late = np.maximum(np.exp(mu + self.model.legs.sigma * z), elapsed_s)
        return np.asarray(late, dtype=np.float64)

    def service(self, i: int, stop: RemainingStop, elapsed_s: Floats | None) -> Floats:
        """Service ``i``'s duration per future; beyond ``elapsed_s`` when it is under way."""
        guess = self.model.service.estimate(stop.address_key, stop.kind, stop.planned_service_s)
        mu = guess.mu_log + self.service_bias
        z = self.service_z[i]
        if elapsed_s is not None:
            floor = np.log(np.maximum(elapsed_s, 1.0))
            z = _beyond(mu, guess.sigma_log, floor, z, self.first_u[1])
            return np.maximum(np.exp(mu + guess.sigma_log * z), elapsed_s)
        return np.asarray(np.exp(mu + guess.sigma_log * z), dtype=np.float64)


def _beyond(mu: Floats, sigma: float, floor: Floats | float, z: Floats, u: Floats) -> Floats:
    """Standard normal draws conditioned on ``mu + sigma * z > floor``, by the inverse CDF.

    Futures whose unconditioned draw already clears the floor keep it, so a leg or service
    that is not yet overdue predicts as before; only the overdue ones are redrawn, uniformly
    in probability over what is left of the distribution beyond the floor.
    """
    if sigma <= 0:
        return z  # nothing to redraw: the caller's floor clamps the duration
    threshold = np.broadcast_to((np.asarray(floor, dtype=np.float64) - mu) / sigma, z.shape)
    normal = NormalDist()
    redrawn = []
    for th, ui in zip(threshold.tolist(), u.tolist(), strict=True):
        below = normal.cdf(min(th, 8.0))
        redrawn.append(normal.inv_cdf(min(below + ui * (1 - below), 1 - 1e-12)))
    return np.where(z > threshold, z, np.array(redrawn))


def _legs(
    state: VehicleState,
    stops: Sequence[RemainingStop],
    travel: TravelTimes,
    departure: datetime,
    profile: SpeedProfile,
) -> list[float]:
    """Each leg of the sequence (from the van to stop 0, then stop to stop), one matrix call."""
    origins = [state.location, *(s.location for s in stops[:-1])]
    matrix = travel.matrix(
        origins, [s.location for s in stops], profile=profile, departure=departure
    )
    return [float(matrix.durations_s[i, i]) for i in range(len(stops))]


def _start(arrival: Floats, windows: Sequence[Window]) -> Floats:
    """Start of service per future: the earliest window open at or after arrival, else arrival."""
    if not windows:
        return arrival
    start = np.full(arrival.shape, np.inf)
    for w in windows:
        start = np.minimum(
            start, np.where(arrival <= w.end_s, np.maximum(arrival, w.start_s), np.inf)
        )
    return np.where(np.isinf(start), arrival, start)


def _late(arrival: Floats, windows: Sequence[Window]) -> npt.NDArray[np.bool_]:
    """Futures arriving after every window's end (arriving in a gap waits for the next one)."""
    if not windows:
        return np.zeros(arrival.shape, dtype=np.bool_)
    return np.asarray(arrival > max(w.end_s for w in windows), dtype=np.bool_)


def _summary(
    stop: RemainingStop, arrival: Floats, late: npt.NDArray[np.bool_], at: float
) -> StopEta:
    p10, p50, p90 = np.quantile(arrival, [0.1, 0.5, 0.9]).tolist()
    chance = float(late.mean())
    return StopEta(stop.stop_id, round(p10), round(p50), round(p90), chance, chance >= at)
