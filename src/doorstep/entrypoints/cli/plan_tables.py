"""How ``doorstep plan`` prints plan versions, comparisons and explanations as Rich tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from doorstep.domain.stations import Station
from doorstep.entrypoints.api.schemas.plans import NOT_PLANNED, money
from doorstep.entrypoints.cli import output
from doorstep.planning.plan import Route
from doorstep.planning.versions import Comparison, PlanVersion, route_figures
from doorstep.services.planning.day import COST_UNITS
from doorstep.services.planning.runs import OrderExplanation


def clock(version: PlanVersion, seconds: int) -> str:
    """A local time of the plan's day as HH:MM, with +1d when it runs past midnight."""
    at = version.at(seconds)
    days = (at.date() - version.service_date).days
    return at.strftime("%H:%M") + (f" {days:+d}d" if days else "")


def km(metres: int) -> str:
    return f"{metres / 1000:.1f}"


def title(version: PlanVersion, stations: Mapping[str, Station]) -> str:
    station = stations.get(version.station_id)
    code = station.code if station else version.station_id
    return f"plan {version.number} of {code} on {version.service_date.isoformat()}"


def show_plan(
    version: PlanVersion, stations: Mapping[str, Station], names: Mapping[str, str]
) -> None:
    """The version's figures, one row per route, and every order left out with its reason."""
    plan = version.plan
    used = [r for r in plan.routes if r.visits]
    output.details(
        _first_upper(title(version, stations)),
        [
            ("Id", version.id),
            ("Status", version.status.value),
            ("Cost", f"{money(plan.cost):,.2f}"),
            ("Distance", f"{km(plan.distance_m)} km"),
            ("Routes", f"{len(used)} of {len(version.inputs.vehicles)} vehicles"),
            ("Orders", f"{sum(len(r.visits) for r in used)} planned, {_left(version)} left out"),
            ("Search", _search(version)),
            ("Created", f"{version.created_at.isoformat(timespec='seconds')} by "
                        f"{version.created_by}"),
        ],
    )  # fmt: skip
    output.table(
        "Routes",
        ["Vehicle", "Stops", "Distance km", "Start-end", "Load peak", "Binding"],
        (_route_row(version, route, names) for route in used),
    )
    show_left_out(version)
    for note in plan.notes:
        output.note(note)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]  # str.capitalize would lower the station code


def _left(version: PlanVersion) -> int:
    return len(version.plan.unassigned) + len(version.left_out)


def _search(version: PlanVersion) -> str:
    plan = version.plan
    spent = f"{plan.runtime_s:.1f} s of {version.time_limit_s:g} s"
    count = len(version.locked)
    locks = f", {count} locked route{'s' if count > 1 else ''}" if count else ""
    return f"{plan.solver or 'planner'}, {spent}, seed {version.seed}{locks}"


def _route_row(version: PlanVersion, route: Route, names: Mapping[str, str]) -> list[object]:
    figures = route_figures(version, route)
    return [
        names.get(route.vehicle_id, route.vehicle_id),
        figures.stops,
        km(figures.distance_m),
        f"{clock(version, route.start_s)}-{clock(version, route.end_s)}",
        f"{figures.peak_load:.0%}",
        figures.binding.value,
    ]


def show_left_out(version: PlanVersion) -> None:
    rows: list[Sequence[object]] = [
        [u.stop_id, u.reason.code.value if u.reason else "", u.reason.message if u.reason else ""]
        for u in version.plan.unassigned
    ]
    rows += [[order_id, NOT_PLANNED, why] for order_id, why in version.left_out]
    output.table("Left out", ["Order", "Reason", "Why"], rows)


def show_versions(versions: Sequence[PlanVersion], heading: str) -> None:
    output.table(
        heading,
        ["#", "Id", "Status", "Created", "Cost", "Distance km", "Routes", "Left out", "Locks"],
        (
            [
                v.number,
                v.id,
                v.status.value,
                v.created_at.isoformat(timespec="seconds"),
                f"{money(v.plan.cost):,.2f}",
                km(v.plan.distance_m),
                sum(1 for r in v.plan.routes if r.visits),
                _left(v),
                len(v.locked),
            ]
            for v in versions
        ),
    )


def show_comparison(result: Comparison, names: Mapping[str, str]) -> None:
    a, b = result.a, result.b
    rows = [
        _versus("Cost", a.cost, b.cost, COST_UNITS, 2),
        _versus("Distance km", a.distance_m, b.distance_m, 1000, 1),
        _versus("Lateness s", a.lateness_s, b.lateness_s),
        _versus("Routes", a.routes_used, b.routes_used),
        _versus("Left out", a.unassigned, b.unassigned),
    ]
    output.table("Compared", ["", f"Plan {a.number}", f"Plan {b.number}", "Change"], rows)

    def named(vehicle_id: str | None) -> str:
        return "left out" if vehicle_id is None else names.get(vehicle_id, vehicle_id)

    output.table(
        "Moved",
        ["Order", f"In plan {a.number}", f"In plan {b.number}"],
        ([m.stop_id, named(m.vehicle_a), named(m.vehicle_b)] for m in result.moved),
    )
    if result.added:
        output.plain(f"Only in plan {b.number}: {', '.join(result.added)}")
    if result.dropped:
        output.plain(f"Only in plan {a.number}: {', '.join(result.dropped)}")


def _versus(label: str, a: int, b: int, unit: float = 1, digits: int = 0) -> list[object]:
    """A figure of both plans and its change, in ``unit`` with ``digits`` decimals."""

    def text(value: int, sign: str = "") -> str:
        return f"{value / unit:{sign},.{digits}f}"

    return [label, text(a), text(b), text(b - a, "+")]


def show_explanation(
    found: OrderExplanation, stations: Mapping[str, Station], names: Mapping[str, str]
) -> None:
    version, route = found.version, found.route
    heading = f"Order {found.order_id}"
    where = ("Plan", f"{title(version, stations)}, {version.status.value} ({version.id})")
    if route is None:
        output.details(heading, [where, ("Left out", _why(found))])
        return
    visit = route.visits[(found.position or 1) - 1]
    wait = f" (waits {visit.wait_s // 60} min)" if visit.wait_s >= 60 else ""
    service = f"{clock(version, visit.start_s)}-{clock(version, visit.departure_s)}{wait}"
    output.details(
        heading,
        [
            where,
            ("Vehicle", names.get(route.vehicle_id, route.vehicle_id)),
            ("Position", f"{found.position} of {len(route.visits)}"),
            ("Arrival", clock(version, visit.arrival_s)),
            ("Service", service),
            ("Route", f"{clock(version, route.start_s)}-{clock(version, route.end_s)}, "
                      f"{km(route.distance_m)} km, {len(route.visits)} stops"),
            ("Binding", route.binding.value),
        ],
    )  # fmt: skip


def _why(found: OrderExplanation) -> str:
    if found.left_out is not None:
        return f"{NOT_PLANNED}: {found.left_out}"
    if found.reason is not None:
        return f"{found.reason.code.value}: {found.reason.message}"
    return "no reason recorded"
