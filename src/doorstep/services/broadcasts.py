"""What the live web pages are told after a change commits: channels and their small notices.

Staff pages listen on their organisation's channel; a recipient's tracking page listens on its
one order's channel, so it never hears of other orders (``streams`` says who may follow which).
A notice says what changed (kind, ids, statuses, counts); the page fetches the rest through the
API it already uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from doorstep.domain.orders import StatusChange
from doorstep.services.ports import Broadcaster

# A batch of 1,000 scans may move as many orders; listing them all would outgrow a notice
# (PostgreSQL's NOTIFY takes under 8,000 bytes). Past this many, pages are told how many more
# changed and reload their list instead.
MAX_LISTED = 50

Notice = tuple[str, Mapping[str, object]]


def organisation_channel(organisation_id: str) -> str:
    return f"org:{organisation_id}"


def order_channel(order_id: str) -> str:
    return f"order:{order_id}"


def scans_applied(
    broadcast: Broadcaster | None,
    organisation_id: str,
    changes: Sequence[tuple[str, StatusChange]],
    parcels: int,
) -> None:
    """After a scan batch: one notice per kind for the organisation, one per moved order."""
    if broadcast is None:
        return
    notices = _scan_notices(organisation_id, changes, parcels)
    if notices:
        broadcast.publish_many(notices)


def _scan_notices(
    organisation_id: str, changes: Sequence[tuple[str, StatusChange]], parcels: int
) -> list[Notice]:
    staff = organisation_channel(organisation_id)
    notices: list[Notice] = []
    if changes:
        listed = {order_id: change.to_status.value for order_id, change in changes[:MAX_LISTED]}
        more = len(changes) - len(listed)
        notices.append((staff, {"kind": "orders.changed", "orders": listed, "more": more}))
    if parcels:
        notices.append((staff, {"kind": "parcels.changed", "count": parcels}))
    notices += [
        (order_channel(order_id), {"kind": "order.changed", "status": change.to_status.value})
        for order_id, change in changes
    ]
    return notices


def board_changed(
    broadcast: Broadcaster | None, organisation_id: str, station_id: str, day: date
) -> None:
    """After the dispatcher's watch: the station's board of ``day`` may read differently."""
    if broadcast is None:
        return
    payload = {"kind": "board.changed", "station_id": station_id, "date": day.isoformat()}
    broadcast.publish(organisation_channel(organisation_id), payload)


def positions_changed(
    broadcast: Broadcaster | None, organisation_id: str, vehicle_ids: Sequence[str]
) -> None:
    """After a batch of GPS pings: which vehicles moved (the map re-reads their last fix)."""
    if broadcast is None or not vehicle_ids:
        return
    listed = sorted(set(vehicle_ids))
    payload = {"kind": "positions.changed", "vehicles": listed[:MAX_LISTED]}
    broadcast.publish(organisation_channel(organisation_id), payload)


def route_departed(
    broadcast: Broadcaster | None, organisation_id: str, station_id: str, day: date, vehicle: str
) -> None:
    """A vehicle left the station: its route is on the road on the board."""
    if broadcast is None:
        return
    payload = {
        "kind": "route.departed", "station_id": station_id, "date": day.isoformat(),
        "vehicle_id": vehicle,
    }  # fmt: skip
    broadcast.publish(organisation_channel(organisation_id), payload)


def plan_changed(
    broadcast: Broadcaster | None, organisation_id: str, station_id: str, day: date, plan_id: str
) -> None:
    """The station's published plan of ``day`` is another version (published, or changed live)."""
    if broadcast is None:
        return
    payload = {
        "kind": "plan.changed", "station_id": station_id, "date": day.isoformat(),
        "plan_id": plan_id,
    }  # fmt: skip
    broadcast.publish(organisation_channel(organisation_id), payload)


def case_changed(
    broadcast: Broadcaster | None, organisation_id: str, case_id: str, status: str
) -> None:
    """A person took or resolved an exception case (doorstep's own openings come with the
    scans, the watch or the day's close that found them)."""
    if broadcast is None:
        return
    payload = {"kind": "case.changed", "case_id": case_id, "status": status}
    broadcast.publish(organisation_channel(organisation_id), payload)
