"""What the digital twin's people do, and where it goes.

The twin (``day_run``) decides what happens when; an ``Actions`` carries each act out the
way the real person's tool would: a handheld's scan batch, a driver app's GPS pings and
inspection, the station's departure, a shipper's new order, a dispatcher's live change. The
reads the twin needs (the published plan, the orders, the parcels' states) go straight to
storage in both cases, so these are the writes only.

``ServiceActions`` calls doorstep's services in this process (the headless demo, the
benchmarks, the tests). An HTTP implementation drives a running server the same way, for
load tests and for watching a day in the web pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from doorstep.domain.exceptions import Resolution
from doorstep.domain.inspections import InspectionKind, ItemResult
from doorstep.planning.travel import TravelTimes
from doorstep.services import (
    dispatch,
    exceptions,
    inspections,
    loadout,
    orders,
    positions,
    reconciliation,
    route_ends,
    scans,
)
from doorstep.services.authorization import Principal
from doorstep.services.planning import live
from doorstep.services.ports import Clock, IdGenerator, ProofStore, UnitOfWork
from doorstep.services.positions import IncomingPing
from doorstep.services.scans import IncomingScan


class Actions(Protocol):
    """The writes of a day, as the people and systems of a station make them."""

    def scans(self, batch: Sequence[IncomingScan]) -> None:
        """A handheld's batch of scan events (stored once by their ids, whatever retries)."""
        ...

    def pings(self, batch: Sequence[IncomingPing]) -> None:
        """A driver app's batch of GPS pings."""
        ...

    def proof_file(self, data: bytes, media_type: str) -> str:
        """Upload a signature or photo; its SHA-256, which a deliver scan then names."""
        ...

    def inspect(
        self, vehicle: str, day: date, kind: InspectionKind, items: Sequence[ItemResult]
    ) -> None: ...

    def depart(self, station: str, day: date, vehicle: str, override_reason: str = "") -> None:
        """The van leaves; InvalidValue when a parcel is missing and no reason is given."""
        ...

    def end_route(self, vehicle: str, day: date) -> None: ...

    def close_day(self, station: str, day: date) -> None: ...

    def create_order(self, values: Mapping[str, Any]) -> str:
        """A shipper's new order (the fields ``POST /orders`` takes); its id."""
        ...

    def add_to_plan(self, plan_id: str, order_id: str) -> None:
        """Dispatch puts a new order into the running (published) plan."""
        ...

    def take_off_road(self, plan_id: str, vehicle_id: str) -> None:
        """Dispatch takes a broken-down van off the road; its open stops go to the others."""
        ...

    def watch(self, station: str, day: date) -> None:
        """Dispatch's board watch: cases for late departures, routes behind, stops at risk,
        and the "N stops away" and "running late" messages."""
        ...

    def resolve_case(self, case_id: str, resolution: Resolution, note: str) -> None:
        """Dispatch closes an exception case with a resolution code."""
        ...


@dataclass
class ServiceActions:
    """``Actions`` through the services, in this process."""

    principal: Principal
    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    travel: TravelTimes
    proofs: ProofStore | None = None
    matrices: live.Matrices | None = None

    def __post_init__(self) -> None:
        if self.matrices is None:
            self.matrices = live.Matrices()

    def scans(self, batch: Sequence[IncomingScan]) -> None:
        scans.ingest(self.principal, batch, uow=self.uow(), clock=self.clock, proofs=self.proofs)

    def pings(self, batch: Sequence[IncomingPing]) -> None:
        positions.ingest(self.principal, batch, uow=self.uow(), clock=self.clock)

    def proof_file(self, data: bytes, media_type: str) -> str:
        if self.proofs is None:
            raise RuntimeError("no proof store: the twin was given none")
        return self.proofs.put(self.principal.organisation_id, data, media_type).sha256

    def inspect(
        self, vehicle: str, day: date, kind: InspectionKind, items: Sequence[ItemResult]
    ) -> None:
        inspections.inspect(
            self.principal, vehicle, day, kind, items, uow=self.uow(), clock=self.clock,
            ids=self.ids,
        )  # fmt: skip

    def depart(self, station: str, day: date, vehicle: str, override_reason: str = "") -> None:
        loadout.depart(
            self.principal, station, day, vehicle, override_reason=override_reason,
            uow=self.uow(), clock=self.clock, ids=self.ids,
        )  # fmt: skip

    def end_route(self, vehicle: str, day: date) -> None:
        route_ends.end_route(
            self.principal, vehicle, day, uow=self.uow(), clock=self.clock, ids=self.ids
        )

    def close_day(self, station: str, day: date) -> None:
        reconciliation.close_day(self.principal, station, day, uow=self.uow(), clock=self.clock)

    def create_order(self, values: Mapping[str, Any]) -> str:
        order = orders.create_order(
            self.principal, values, uow=self.uow(), clock=self.clock, ids=self.ids
        )
        return order.id

    def add_to_plan(self, plan_id: str, order_id: str) -> None:
        live.add_order(self.principal, plan_id, order_id, ports=self._live())

    def take_off_road(self, plan_id: str, vehicle_id: str) -> None:
        live.take_off_road(self.principal, plan_id, vehicle_id, ports=self._live())

    def watch(self, station: str, day: date) -> None:
        dispatch.watch(
            self.principal, station, day, uow=self.uow(), clock=self.clock, travel=self.travel
        )

    def resolve_case(self, case_id: str, resolution: Resolution, note: str) -> None:
        exceptions.resolve(
            self.principal, case_id, resolution, note=note, uow=self.uow(), clock=self.clock
        )

    def _live(self) -> live.LivePorts:
        assert self.matrices is not None  # set in __post_init__
        return live.LivePorts(self.uow(), self.travel, self.matrices, self.clock, self.ids)
