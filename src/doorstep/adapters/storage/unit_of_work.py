"""The unit of work over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from doorstep.adapters.storage.accounts import SqlApiKeys, SqlOrganisations, SqlSessions, SqlUsers
from doorstep.adapters.storage.assignments import SqlAssignments
from doorstep.adapters.storage.carriers import SqlCarriers, SqlRateCards
from doorstep.adapters.storage.departures import SqlDepartures
from doorstep.adapters.storage.duty import SqlDutyChanges
from doorstep.adapters.storage.engine import READ_ONLY
from doorstep.adapters.storage.exceptions import SqlExceptions
from doorstep.adapters.storage.handoffs import SqlCarrierConnections, SqlHandoffs
from doorstep.adapters.storage.idempotency import SqlIdempotency
from doorstep.adapters.storage.inspections import SqlInspections, SqlMaintenance
from doorstep.adapters.storage.messages import SqlDeliveries, SqlMessages, SqlSubscriptions
from doorstep.adapters.storage.network import SqlDrivers, SqlStations, SqlVehicles
from doorstep.adapters.storage.orders import SqlOrderFixes, SqlOrders
from doorstep.adapters.storage.plans import SqlPlanVersions
from doorstep.adapters.storage.positions import SqlPositions
from doorstep.adapters.storage.route_assignments import SqlRouteAssignments
from doorstep.adapters.storage.route_ends import SqlRouteEnds
from doorstep.adapters.storage.scans import SqlScans
from doorstep.adapters.storage.tracking import SqlTracking
from doorstep.domain.errors import Conflict


class SqlUnitOfWork:
    """A transaction; nested ``with`` blocks join the outermost one, which alone commits.

    A ``read_only`` unit is for lookups: on SQLite it does not take the write lock, so reads
    never queue behind writers; on PostgreSQL its transaction is READ ONLY.
    """

    organisations: SqlOrganisations
    users: SqlUsers
    api_keys: SqlApiKeys
    sessions: SqlSessions
    stations: SqlStations
    vehicles: SqlVehicles
    drivers: SqlDrivers
    orders: SqlOrders
    order_fixes: SqlOrderFixes
    idempotency: SqlIdempotency
    plans: SqlPlanVersions
    scans: SqlScans
    assignments: SqlAssignments
    departures: SqlDepartures
    route_ends: SqlRouteEnds
    exceptions: SqlExceptions
    inspections: SqlInspections
    maintenance: SqlMaintenance
    duty: SqlDutyChanges
    route_assignments: SqlRouteAssignments
    tracking: SqlTracking
    messages: SqlMessages
    subscriptions: SqlSubscriptions
    deliveries: SqlDeliveries
    positions: SqlPositions
    carriers: SqlCarriers
    rate_cards: SqlRateCards
    handoffs: SqlHandoffs
    carrier_connections: SqlCarrierConnections

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: Connection | None = None
        self._depth = 0

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._connection = self._engine.connect()
            self._connection.execution_options(**{READ_ONLY: self._read_only})
            self._connection.begin()
            self._bind(self._connection)
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._connection is not None:
            connection, self._connection = self._connection, None
            connection.rollback()  # nothing left to undo after a commit
            connection.close()
        if isinstance(exc, IntegrityError):
            raise _conflict(exc) from exc

    def commit(self) -> None:
        if self._depth > 1 or self._connection is None:
            return
        try:
            self._connection.commit()
        except IntegrityError as error:
            raise _conflict(error) from error

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        assert self._connection is not None, "a savepoint needs an open unit of work"
        try:
            with self._connection.begin_nested():
                yield
        except IntegrityError as error:
            raise _conflict(error) from error

    def _bind(self, connection: Connection) -> None:
        self.organisations = SqlOrganisations(connection)
        self.users = SqlUsers(connection)
        self.api_keys = SqlApiKeys(connection)
        self.sessions = SqlSessions(connection)
        self.stations = SqlStations(connection)
        self.vehicles = SqlVehicles(connection)
        self.drivers = SqlDrivers(connection)
        self.orders = SqlOrders(connection)
        self.order_fixes = SqlOrderFixes(connection)
        self.idempotency = SqlIdempotency(connection)
        self.plans = SqlPlanVersions(connection)
        self.scans = SqlScans(connection)
        self.assignments = SqlAssignments(connection)
        self.departures = SqlDepartures(connection)
        self.route_ends = SqlRouteEnds(connection)
        self.exceptions = SqlExceptions(connection)
        self.inspections = SqlInspections(connection)
        self.maintenance = SqlMaintenance(connection)
        self.duty = SqlDutyChanges(connection)
        self.route_assignments = SqlRouteAssignments(connection)
        self.tracking = SqlTracking(connection)
        self.messages = SqlMessages(connection)
        self.subscriptions = SqlSubscriptions(connection)
        self.deliveries = SqlDeliveries(connection)
        self.positions = SqlPositions(connection)
        self.carriers = SqlCarriers(connection)
        self.rate_cards = SqlRateCards(connection)
        self.handoffs = SqlHandoffs(connection)
        self.carrier_connections = SqlCarrierConnections(connection)


def _conflict(error: IntegrityError) -> Conflict:
    # The services check uniqueness first with a clear message; reaching this means a
    # concurrent writer won the race, so the client may simply retry.
    return Conflict("the change conflicts with a concurrent change to the same record; retry")
