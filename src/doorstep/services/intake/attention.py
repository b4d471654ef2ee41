"""The needs-attention queue: a person fixes what the checks could not, and it is recorded.

Orders in ``needs_attention`` are listed with ``orders.list_orders`` (status and flag
filters). Here a person looks at the geocoder's candidates and fixes an order: chooses a
candidate, moves the pin, edits fields, re-runs the checks, or releases it to ``ready``
accepting the flags still open. Every fix re-runs the checks and writes an ``OrderFix``
naming who changed what, from what, to what.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.geo import Location
from doorstep.domain.geocoding import Candidate
from doorstep.domain.order_fixes import FixAction, OrderFix
from doorstep.domain.order_status import EDITABLE
from doorstep.domain.orders import LocationSource, Order
from doorstep.domain.permissions import Permission
from doorstep.services.authorization import Principal, require
from doorstep.services.intake.checks import OrderChecks, finish
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork


@dataclass(frozen=True)
class ChooseCandidate:
    index: int  # position in ``candidates(...)``, 0 for the best


@dataclass(frozen=True)
class MovePin:
    location: Location


@dataclass(frozen=True)
class Edit:
    changes: Mapping[str, Any]  # domain-typed fields, as for ``orders.update_order``


@dataclass(frozen=True)
class Recheck:
    pass


@dataclass(frozen=True)
class Release:
    pass


Fix = ChooseCandidate | MovePin | Edit | Recheck | Release

# What ``Edit`` may change: the data an order is checked on, not its life cycle.
EDITABLE_FIELDS = frozenset(
    {
        "recipient",
        "address",
        "location",
        "station_id",
        "service_date",
        "time_windows",
        "service_duration_s",
        "access_notes",
        "priority",
    }
)


def candidates(
    principal: Principal, order_id: str, *, uow: UnitOfWork, checks: OrderChecks, limit: int = 5
) -> list[Candidate]:
    """The geocoder's candidates for the order's address, best first."""
    require(principal, Permission.ORDERS_READ)
    with uow:
        order = _load(uow, principal.organisation_id, order_id)
    return checks.geocoder.forward(order.address, limit=limit)


def fix_order(
    principal: Principal,
    order_id: str,
    fix: Fix,
    *,
    note: str = "",
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    checks: OrderChecks,
) -> Order:
    require(principal, Permission.ORDERS_WRITE)
    with uow:
        before = _load(uow, principal.organisation_id, order_id)
        if before.status not in EDITABLE:
            raise Conflict(
                f"order {order_id} is {before.status.value}: only orders not yet received at "
                "the station can be fixed here"
            )
        now = clock.now()
        order, action = _apply(
            dataclasses.replace(before, history=list(before.history)), fix, checks
        )
        stations = {s.id: s for s in uow.stations.list(principal.organisation_id)}
        checks.run([order], stations)
        if isinstance(fix, Release):
            order.acknowledged = order.acknowledged | {f.code for f in order.blocking_flags}
        finish(order, uow, now)
        order.updated_at = now
        uow.orders.update(order)
        uow.order_fixes.add(
            OrderFix(
                id=ids.new_id("fix"),
                organisation_id=principal.organisation_id,
                order_id=order.id,
                at=now,
                actor=f"{principal.kind.value}:{principal.actor_id}",
                action=action,
                changes=_differences(before, order),
                note=note,
            )
        )
        uow.commit()
    return order


def fixes(principal: Principal, order_id: str, *, uow: UnitOfWork) -> Sequence[OrderFix]:
    require(principal, Permission.ORDERS_READ)
    with uow:
        _load(uow, principal.organisation_id, order_id)
        return uow.order_fixes.list(principal.organisation_id, order_id)


def _apply(order: Order, fix: Fix, checks: OrderChecks) -> tuple[Order, FixAction]:
    if isinstance(fix, ChooseCandidate):
        found = checks.geocoder.forward(order.address, limit=max(5, fix.index + 1))
        if not 0 <= fix.index < len(found):
            raise InvalidValue(
                "candidate",
                f"there are {len(found)} candidates (0-{len(found) - 1}); got {fix.index}"
                if found
                else "the geocoder has no candidate for this address; move the pin instead",
            )
        chosen = found[fix.index]
        order.address = dataclasses.replace(
            order.address,
            street=chosen.street,
            house_number=chosen.house_number or order.address.house_number,
            postcode=chosen.postcode or order.address.postcode,
            city=chosen.city or order.address.city,
        )
        _place(order, chosen.location, chosen)
        return order, FixAction.CHOOSE_CANDIDATE
    if isinstance(fix, MovePin):
        _place(order, fix.location, order.geocode)
        return order, FixAction.MOVE_PIN
    if isinstance(fix, Edit):
        unknown = sorted(set(fix.changes) - EDITABLE_FIELDS)
        if unknown:
            raise InvalidValue(
                unknown[0], f"cannot be fixed here; fields: {', '.join(sorted(EDITABLE_FIELDS))}"
            )
        # replace() re-runs the domain's checks on the edited order.
        edited = dataclasses.replace(order, **fix.changes)
        if "location" in fix.changes and edited.location != order.location:
            edited.location_source = LocationSource.MANUAL if edited.location else None
        elif edited.address != order.address:
            # A new address is placed afresh, not left at the old pin.
            edited.location, edited.location_source, edited.geocode = None, None, None
            edited.acknowledged = frozenset()
        return edited, FixAction.EDIT
    if isinstance(fix, Release):
        return order, FixAction.RELEASE
    return order, FixAction.RECHECK


def _place(order: Order, location: Location, geocode: Candidate | None) -> None:
    order.location = location
    order.location_source = LocationSource.MANUAL
    order.geocode = geocode


def _differences(before: Order, after: Order) -> dict[str, tuple[str, str]]:
    names = sorted(EDITABLE_FIELDS | {"status", "location_source", "flags", "acknowledged"})
    return {
        name: (_text(getattr(before, name)), _text(getattr(after, name)))
        for name in names
        if getattr(before, name) != getattr(after, name)
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Location):
        return f"{value.lat:.6f},{value.lon:.6f}"
    if isinstance(value, tuple | frozenset) and value and hasattr(next(iter(value)), "code"):
        return ", ".join(sorted(f.code.value for f in value))
    if isinstance(value, frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _load(uow: UnitOfWork, organisation_id: str, order_id: str) -> Order:
    order = uow.orders.get(organisation_id, order_id)
    if order is None:
        raise NotFound("order", order_id)
    return order
