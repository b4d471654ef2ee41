"""Repositories for hand-offs to partner carriers and the carriers' API connections."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, delete, insert, select

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows
from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.handoffs import CarrierConnection, Handoff, HandoffStatus


class SqlHandoffs(TableRows):
    table = t.handoffs

    def add(self, handoff: Handoff) -> None:
        self._insert(self._values(handoff))

    def update(self, handoff: Handoff) -> None:
        self._update(self._values(handoff))

    def get(self, organisation_id: str, handoff_id: str) -> Handoff | None:
        return self._one(self.table.c.id == handoff_id, organisation_id)

    def open_of_order(self, organisation_id: str, order_id: str) -> Handoff | None:
        return self._one(self.table.c.open_order_id == order_id, organisation_id)

    def by_booking(self, organisation_id: str, carrier_id: str, booking_id: str) -> Handoff | None:
        c = self.table.c
        return self._one(
            (c.carrier_id == carrier_id) & (c.booking_id == booking_id), organisation_id
        )

    def list(
        self, organisation_id: str, *, day: date | None = None, carrier_id: str | None = None
    ) -> list[Handoff]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        if day is not None:
            statement = statement.where(c.service_date == day)
        if carrier_id is not None:
            statement = statement.where(c.carrier_id == carrier_id)
        return [self._entity(r) for r in self._all(statement.order_by(c.created_at, c.id))]

    def _one(self, condition: Any, organisation_id: str) -> Handoff | None:
        c = self.table.c
        row = self._first(select(self.table).where(c.organisation_id == organisation_id, condition))
        return self._entity(row) if row else None

    @staticmethod
    def _values(h: Handoff) -> dict[str, Any]:
        return {
            "id": h.id,
            "organisation_id": h.organisation_id,
            "order_id": h.order_id,
            "open_order_id": h.order_id if h.open else None,
            "carrier_id": h.carrier_id,
            "carrier_code": h.carrier_code,
            "service_level": h.service_level.value,
            "service_date": h.service_date,
            "booking_id": h.booking_id,
            "tracking_number": h.tracking_number,
            "status": h.status.value,
            "label_pdf": h.label_pdf,
            "created_at": h.created_at,
            "cancelled_at": h.cancelled_at,
            "last_event_at": h.last_event_at,
        }

    @staticmethod
    def _entity(row: Row[Any]) -> Handoff:
        v = row._mapping
        return Handoff(
            id=v["id"],
            organisation_id=v["organisation_id"],
            order_id=v["order_id"],
            carrier_id=v["carrier_id"],
            carrier_code=v["carrier_code"],
            service_level=ServiceLevel(v["service_level"]),
            service_date=v["service_date"],
            booking_id=v["booking_id"],
            tracking_number=v["tracking_number"],
            created_at=v["created_at"],
            status=HandoffStatus(v["status"]),
            label_pdf=bytes(v["label_pdf"]),
            cancelled_at=v["cancelled_at"],
            last_event_at=v["last_event_at"],
        )


class SqlCarrierConnections(TableRows):
    table = t.carrier_connections

    def put(self, connection: CarrierConnection) -> None:
        c = self.table.c
        self._conn.execute(
            delete(self.table).where(
                c.organisation_id == connection.organisation_id,
                c.carrier_id == connection.carrier_id,
            )
        )
        self._conn.execute(
            insert(self.table).values(
                carrier_id=connection.carrier_id,
                organisation_id=connection.organisation_id,
                adapter=connection.adapter,
                base_url=connection.base_url,
                api_key=connection.api_key,
                webhook_secret=connection.webhook_secret,
                updated_at=connection.updated_at,
            )
        )

    def get(self, organisation_id: str, carrier_id: str) -> CarrierConnection | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(
                c.organisation_id == organisation_id, c.carrier_id == carrier_id
            )
        )
        return self._entity(row) if row else None

    def by_carrier_code(self, code: str) -> list[tuple[str, CarrierConnection]]:
        """Every organisation's connection of a carrier with ``code``: (carrier id, connection).
        Webhooks name the carrier by code only; the secret that verifies tells whose it is."""
        c, k = self.table.c, t.carriers.c
        statement = (
            select(self.table)
            .join(t.carriers, k.id == c.carrier_id)
            .where(k.code == code)
            .order_by(c.organisation_id)
        )
        return [(row._mapping["carrier_id"], self._entity(row)) for row in self._all(statement)]

    @staticmethod
    def _entity(row: Row[Any]) -> CarrierConnection:
        v = row._mapping
        return CarrierConnection(
            organisation_id=v["organisation_id"],
            carrier_id=v["carrier_id"],
            adapter=v["adapter"],
            base_url=v["base_url"],
            api_key=v["api_key"],
            webhook_secret=v["webhook_secret"],
            updated_at=v["updated_at"],
        )
