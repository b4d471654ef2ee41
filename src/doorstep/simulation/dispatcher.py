"""The twin's dispatcher: the board watch every few minutes while vans are out, and the
exception cases a dispatcher handles, each resolved a drawn while after it opened."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import partial

from doorstep.domain.exceptions import CaseStatus, ExceptionCase, ExceptionType, Resolution
from doorstep.domain.orders import Order
from doorstep.services import exceptions
from doorstep.services.authorization import Principal
from doorstep.services.ports import Clock, UnitOfWork
from doorstep.simulation.actions import Actions
from doorstep.simulation.world import World

CASE_PAGE = 200  # exception cases read a page at a time
_ID = re.compile(r"\b[a-z]{3}_[0-9a-zA-Z]+\b")  # a database id, as in ord_8c9a52910001

# What the twin's dispatcher does with the cases it handles; the rest doorstep settles itself
# (a right sort clears a mis-sort, closing the day reschedules a failed attempt).
DISPATCHER_RESOLVES = {
    ExceptionType.LATE_DEPARTURE: Resolution.NO_ACTION,
    ExceptionType.ROUTE_BEHIND: Resolution.NO_ACTION,  # the customers were told by message
    ExceptionType.LATE_RISK: Resolution.NO_ACTION,
    ExceptionType.LONG_DWELL: Resolution.NO_ACTION,
    ExceptionType.MISSING_PARCEL: Resolution.RESCHEDULED,  # it goes out the next day
    ExceptionType.DAMAGED: Resolution.DAMAGED_CLAIM,
}


class Dispatcher:
    """Watches ``station``'s ``day`` and takes its cases; ``at`` schedules a step of the day,
    ``busy`` says whether anything of it is still to happen, ``draw`` gives a thing's own
    draws, ``orders`` the day's orders (for a case's reference)."""

    def __init__(
        self,
        act: Actions,
        principal: Principal,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        station: str,
        day: date,
        world: World,
        draw: Callable[..., random.Random],
        at: Callable[[datetime, Callable[[], None]], None],
        busy: Callable[[], bool],
        orders: Mapping[str, Order],
    ) -> None:
        self.act, self.principal, self.uow, self.clock = act, principal, uow, clock
        self.station, self.day, self.world, self.draw = station, day, world, draw
        self.at, self.busy, self.orders = at, busy, orders
        self.handled: set[str] = set()  # cases already taken

    def watch(self) -> None:
        """Dispatch's watch of the board (cases, "N stops away" and "running late"), and a
        dispatcher taking each case it handles in a while; again every few minutes while
        anything of the day is still to happen."""
        self.act.watch(self.station, self.day)
        now = self.clock.now()
        for case in self._open_cases():
            resolution = DISPATCHER_RESOLVES.get(case.type)
            if resolution is None or case.id in self.handled:
                continue
            self.handled.add(case.id)
            low, high = self.world.dispatcher_min
            delay = timedelta(minutes=self.draw("case", *self._case_name(case)).uniform(low, high))
            self.at(max(now, case.opened_at + delay), partial(self._resolve, case.id, resolution))
        if self.busy():
            self.at(now + timedelta(minutes=self.world.watch_every_min), self.watch)

    def _case_name(self, case: ExceptionCase) -> tuple[str, ...]:
        """A case as a person would name it: its type, parcel, order reference and summary,
        with database ids taken out (a case's key holds them)."""
        order = self.orders.get(case.order_id or "")
        reference = order.shipper_reference if order is not None else ""
        return case.type.value, case.barcode, reference, _ID.sub("", case.summary)

    def _open_cases(self) -> list[ExceptionCase]:
        found: list[ExceptionCase] = []
        cursor: str | None = None
        while True:
            page = exceptions.list_cases(
                self.principal, cursor=cursor, limit=CASE_PAGE, uow=self.uow()
            )
            found += page.cases
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def _resolve(self, case_id: str, resolution: Resolution) -> None:
        with self.uow() as uow:
            case = uow.exceptions.get(self.principal.organisation_id, case_id)
        if case is not None and case.status is CaseStatus.OPEN:  # doorstep may have cleared it
            self.act.resolve_case(case_id, resolution, "handled by the twin's dispatcher")
