"""Customer messages and webhook deliveries: the outboxes and their logs, and the settings."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, insert, select, update

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import TableRows, chunks, hold, upsert_into
from doorstep.domain.messages import (
    LATEST_ONLY,
    Message,
    MessageSettings,
    MessageStatus,
    QuietHours,
    Rule,
    TemplateText,
    Trigger,
    with_new_defaults,
)
from doorstep.domain.notifications import Channel
from doorstep.domain.subscriptions import Delivery, DeliveryStatus, EventType, Subscription
from doorstep.services.ports import Contact


class _Outbox(TableRows):
    def _add_new(self, rows: Sequence[dict[str, Any]], unique: list[str]) -> int:
        """Insert the rows whose unique key is not taken; the others are the same news again."""
        return sum(self._inserted(row, unique) for row in rows)

    def _inserted(self, row: dict[str, Any], unique: list[str]) -> bool:
        fresh = upsert_into(self._conn, self.table)
        # RETURNING tells what was inserted: rowcount is unreliable for ON CONFLICT DO NOTHING.
        statement = fresh.on_conflict_do_nothing(index_elements=unique).returning(self.table.c.id)
        return bool(self._conn.execute(statement, row).all())

    def _claim(
        self,
        where: tuple[ColumnElement[bool], ...],
        order: tuple[ColumnElement[Any], ...],
        limit: int,
        lease: dict[str, datetime],
    ) -> Sequence[Row[Any]]:
        # PostgreSQL: rows another worker holds are skipped, not waited for; SQLite's write
        # lock (BEGIN IMMEDIATE) already lets one worker claim at a time.
        statement = select(self.table).where(*where).order_by(*order).limit(limit)
        if self._conn.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = self._all(statement)
        ids = [row.id for row in rows]
        if ids:
            table = self.table
            self._conn.execute(update(table).where(table.c.id.in_(ids)).values(**lease))
        return rows


class SqlMessages(_Outbox):
    table = t.messages

    def settings(self, organisation_id: str) -> MessageSettings | None:
        s = t.message_settings.c
        found = self._conn.execute(
            select(s.settings).where(s.organisation_id == organisation_id)
        ).scalar()
        return None if found is None else _settings(organisation_id, found)

    def save_settings(self, settings: MessageSettings) -> None:
        s = t.message_settings
        self._conn.execute(s.delete().where(s.c.organisation_id == settings.organisation_id))
        document = _settings_document(settings)
        self._conn.execute(
            insert(s).values(organisation_id=settings.organisation_id, settings=document)
        )

    def add_new(self, messages: Sequence[Message]) -> int:
        # Queueing for one order takes turns (two dispatchers moving it, a retry racing its
        # original): on PostgreSQL each would otherwise miss the other's uncommitted message,
        # and both would stay queued. Sorted, so two batches never wait on each other.
        for org, order_id in sorted(
            {(m.organisation_id, m.order_id) for m in messages if m.trigger in LATEST_ONLY}
        ):
            hold(self._conn, f"messages:{org}:{order_id}")
        added = [
            m
            for m in messages
            if self._inserted(_message_values(m), ["organisation_id", "key", "channel"])
        ]
        self._supersede_older([m for m in added if m.trigger in LATEST_ONLY])
        return len(added)

    def _supersede_older(self, newer: Sequence[Message]) -> None:
        """Mark the queued messages that ``newer`` (stored just now, in this order) replace
        superseded (``Message.supersedes``), each by the newest that replaces it. Only news
        stored just now supersedes: the same news again was not inserted, so a replay changes
        nothing. One read per batch of orders: a departure queues a whole route's messages."""
        c = self.table.c
        triggers = sorted({m.trigger.value for m in newer})
        rank = {m.id: n for n, m in enumerate(newer)}
        for org, chunk in (
            (org, chunk)
            for org in sorted({m.organisation_id for m in newer})
            for chunk in chunks(m.order_id for m in newer if m.organisation_id == org)
        ):
            held = select(self.table).where(
                c.organisation_id == org,
                c.order_id.in_(chunk),
                c.trigger.in_(triggers),
                c.status == MessageStatus.QUEUED.value,
            )
            for older in (_message(row) for row in self._all(held)):
                after = rank.get(older.id, -1)  # one of this batch: only later ones replace it
                by = [m for m in newer[after + 1 :] if m.supersedes(older)]
                if by:
                    gone = older.superseded(by[-1].id)
                    values = {"status": gone.status.value, "superseded_by": gone.superseded_by}
                    self._conn.execute(update(self.table).where(c.id == older.id).values(**values))

    def claim(self, now: datetime, until: datetime, limit: int) -> builtins.list[Message]:
        c = self.table.c
        where = (c.status == MessageStatus.QUEUED.value, c.not_before <= now)
        rows = self._claim(where, (c.not_before, c.id), limit, {"not_before": until})
        return [_message(row) for row in rows]

    def update(self, message: Message) -> None:
        c = self.table.c
        values = _message_values(message)
        del values["superseded_by"]  # add_new's to set, never an attempt's
        statement = update(self.table).where(c.id == message.id)
        if message.status is MessageStatus.SENT:  # it went out: superseded or not, say so
            self._conn.execute(statement.values(**values))
            return
        # Superseded while a worker was sending it: a failed or postponed attempt must not
        # queue it again beside the newer message. The condition is checked on the locked
        # row, so a supersede committing meanwhile is seen.
        superseded = MessageStatus.SUPERSEDED.value
        done = self._conn.execute(statement.where(c.status != superseded).values(**values))
        if done.rowcount == 0:
            attempt = {k: v for k, v in values.items() if k not in ("status", "not_before")}
            self._conn.execute(statement.where(c.status == superseded).values(**attempt))

    def list(
        self, organisation_id: str, *, order_id: str | None = None, limit: int = 100
    ) -> builtins.list[Message]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        if order_id is not None:
            statement = statement.where(c.order_id == order_id)
        statement = statement.order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        return [_message(row) for row in self._all(statement)]

    def contacts(self, organisation_id: str, order_ids: Sequence[str]) -> dict[str, Contact]:
        o = t.orders.c
        found: dict[str, Contact] = {}
        for chunk in chunks(order_ids):
            statement = select(
                o.id,
                o.recipient_name,
                o.recipient_email,
                o.recipient_phone,
                o.shipper_reference,
                o.station_id,
            ).where(o.organisation_id == organisation_id, o.id.in_(chunk))
            for row in self._all(statement):
                found[row.id] = Contact(
                    row.id,
                    row.recipient_name,
                    row.recipient_email,
                    row.recipient_phone,
                    row.shipper_reference,
                    row.station_id,
                )
        return found


class SqlSubscriptions(TableRows):
    table = t.webhook_subscriptions

    def add(self, subscription: Subscription) -> None:
        self._insert(_subscription_values(subscription))

    def get(self, organisation_id: str, subscription_id: str) -> Subscription | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == subscription_id)
        )
        return None if row is None else _subscription(row)

    def update(self, subscription: Subscription) -> None:
        self._update(_subscription_values(subscription))

    def list(self, organisation_id: str) -> builtins.list[Subscription]:
        c = self.table.c
        statement = (
            select(self.table).where(c.organisation_id == organisation_id).order_by(c.created_at)
        )
        return [_subscription(row) for row in self._all(statement)]


class SqlDeliveries(_Outbox):
    table: Table = t.webhook_deliveries

    def add_new(self, deliveries: Sequence[Delivery]) -> int:
        return self._add_new([_delivery_values(d) for d in deliveries], ["subscription_id", "key"])

    def claim(self, now: datetime, until: datetime, limit: int) -> builtins.list[Delivery]:
        c = self.table.c
        where = (c.status == DeliveryStatus.PENDING.value, c.next_attempt_at <= now)
        rows = self._claim(where, (c.next_attempt_at, c.id), limit, {"next_attempt_at": until})
        return [_delivery(row) for row in rows]

    def get(self, organisation_id: str, delivery_id: str) -> Delivery | None:
        c = self.table.c
        row = self._first(
            select(self.table).where(c.organisation_id == organisation_id, c.id == delivery_id)
        )
        return None if row is None else _delivery(row)

    def update(self, delivery: Delivery) -> None:
        self._update(_delivery_values(delivery))

    def list(
        self,
        organisation_id: str,
        *,
        subscription_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> builtins.list[Delivery]:
        c = self.table.c
        statement = select(self.table).where(c.organisation_id == organisation_id)
        if subscription_id is not None:
            statement = statement.where(c.subscription_id == subscription_id)
        if status is not None:
            statement = statement.where(c.status == status)
        statement = statement.order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        return [_delivery(row) for row in self._all(statement)]


def _settings_document(settings: MessageSettings) -> dict[str, Any]:
    quiet = settings.quiet_hours
    return {
        "rules": [
            {"trigger": r.trigger.value, "channels": list(r.channels), "stops_away": r.stops_away}
            for r in settings.rules
        ],
        "quiet_hours": None
        if quiet is None
        else {"start": quiet.start.isoformat(), "end": quiet.end.isoformat()},
        "language": settings.language,
        "templates": [asdict(t) for t in settings.templates],
        # Switched off, as opposed to never decided on: a trigger doorstep gains later is in
        # neither list and takes its default rule (with_new_defaults).
        "off": sorted(t.value for t in settings.off),
    }


def _settings(organisation_id: str, document: dict[str, Any]) -> MessageSettings:
    quiet = document["quiet_hours"]
    rules = [
        Rule(Trigger(r["trigger"]), tuple(Channel(c) for c in r["channels"]), r["stops_away"])
        for r in document["rules"]
    ]
    return MessageSettings(
        organisation_id,
        with_new_defaults(rules, (Trigger(t) for t in document["off"])),
        None
        if quiet is None
        else QuietHours(time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"])),
        document["language"],
        tuple(
            TemplateText(
                Trigger(x["trigger"]), Channel(x["channel"]), x["language"], x["subject"], x["body"]
            )
            for x in document["templates"]
        ),
    )


def _message_values(m: Message) -> dict[str, Any]:
    values = asdict(m)
    values["trigger"], values["channel"] = m.trigger.value, m.channel.value
    values["status"] = m.status.value
    return values


def _message(row: Row[Any]) -> Message:
    m = row._mapping
    return Message(
        **{
            **m,
            "trigger": Trigger(m["trigger"]),
            "channel": Channel(m["channel"]),
            "status": MessageStatus(m["status"]),
        }
    )


def _subscription_values(s: Subscription) -> dict[str, Any]:
    values = asdict(s)
    values["event_types"] = sorted(e.value for e in s.event_types)
    return values


def _subscription(row: Row[Any]) -> Subscription:
    m = row._mapping
    return Subscription(**{**m, "event_types": frozenset(EventType(e) for e in m["event_types"])})


def _delivery_values(d: Delivery) -> dict[str, Any]:
    values = asdict(d)
    values["event_type"], values["status"] = d.event_type.value, d.status.value
    return values


def _delivery(row: Row[Any]) -> Delivery:
    m = row._mapping
    return Delivery(
        **{
            **m,
            "event_type": EventType(m["event_type"]),
            "status": DeliveryStatus(m["status"]),
        }
    )
