"""A station's day in KPIs as the API returns it; the CLI prints the same rows."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from doorstep.domain.kpis import Ratio, Scorecard
from doorstep.services.kpis import KpiReport


class RatioOut(BaseModel):
    """``numerator / denominator``; ``value`` is null when the denominator is 0 (n/a)."""

    numerator: float
    denominator: float
    value: float | None
    text: str  # "412/430"

    @classmethod
    def of(cls, ratio: Ratio) -> RatioOut:
        return cls(
            numerator=ratio.numerator,
            denominator=ratio.denominator,
            value=ratio.value,
            text=str(ratio),
        )


def _maybe(ratio: Ratio | None) -> RatioOut | None:
    return None if ratio is None else RatioOut.of(ratio)


class ReasonOut(BaseModel):
    reason: str
    share: RatioOut  # failures for this reason / all failures


class ScorecardOut(BaseModel):
    on_time: RatioOut
    first_attempt: RatioOut
    scan_compliance: RatioOut
    scan_problems: RatioOut
    load_use: dict[str, RatioOut]
    shift_use: RatioOut
    stops_per_hour: RatioOut
    planned_m_per_stop: RatioOut
    gps_m_per_stop: RatioOut | None  # null: no GPS breadcrumbs, the distance is unknown
    cost_per_stop: RatioOut
    co2_g_per_stop: RatioOut
    actual_vs_planned_time: RatioOut
    gps_vs_planned_distance: RatioOut | None
    sequence_adherence: RatioOut
    exceptions_opened: dict[str, int]
    median_resolve_s: float | None
    open_cases: list[str]
    failure_reasons: list[ReasonOut]

    @classmethod
    def of(cls, card: Scorecard) -> ScorecardOut:
        road, cases = card.road, card.cases
        median = cases.median_to_resolve
        return cls(
            on_time=RatioOut.of(card.on_time),
            first_attempt=RatioOut.of(card.first_attempt),
            scan_compliance=RatioOut.of(card.scan_compliance),
            scan_problems=RatioOut.of(card.scan_problems),
            load_use={k: RatioOut.of(v) for k, v in card.load_use.items()},
            shift_use=RatioOut.of(card.shift_use),
            stops_per_hour=RatioOut.of(road.stops_per_hour),
            planned_m_per_stop=RatioOut.of(road.planned_m_per_stop),
            gps_m_per_stop=_maybe(road.gps_m_per_stop),
            cost_per_stop=RatioOut.of(road.cost_per_stop),
            co2_g_per_stop=RatioOut.of(road.co2_g_per_stop),
            actual_vs_planned_time=RatioOut.of(road.actual_vs_planned_s),
            gps_vs_planned_distance=_maybe(road.gps_vs_planned_m),
            sequence_adherence=RatioOut.of(road.sequence),
            exceptions_opened={k.value: n for k, n in cases.opened.items()},
            median_resolve_s=None if median is None else median.total_seconds(),
            open_cases=list(cases.still_open),
            failure_reasons=[
                ReasonOut(reason=r, share=RatioOut.of(x)) for r, x in card.failure_reasons
            ],
        )


class RouteKpisOut(BaseModel):
    vehicle_id: str
    vehicle_name: str
    kpis: ScorecardOut


class DriverKpisOut(BaseModel):
    driver_id: str
    driver_name: str
    kpis: ScorecardOut


class KpiReportOut(BaseModel):
    station: str  # its code
    date: dt.date
    plan_number: int  # the published version the day ran on
    day: ScorecardOut
    routes: list[RouteKpisOut]
    drivers: list[DriverKpisOut]

    @classmethod
    def of(cls, report: KpiReport) -> KpiReportOut:
        numbers = report.kpis
        return cls(
            station=report.station.code,
            date=report.day,
            plan_number=report.plan_number,
            day=ScorecardOut.of(numbers.day),
            routes=[
                RouteKpisOut(
                    vehicle_id=v, vehicle_name=report.vehicles.get(v, v), kpis=ScorecardOut.of(c)
                )
                for v, c in numbers.routes.items()
            ],
            drivers=[
                DriverKpisOut(
                    driver_id=d, driver_name=report.drivers.get(d, d), kpis=ScorecardOut.of(c)
                )
                for d, c in numbers.drivers.items()
            ],
        )
