"""Bulk writes through the driver store exactly what SQLAlchemy's own execute would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, insert, select, update

from doorstep.adapters.storage import tables as t
from doorstep.adapters.storage.rows import execute_many
from doorstep.bootstrap import Container
from doorstep.domain.accounts import Organisation
from tests.adapters.storage.conftest import PLUS2, T0, order


def _event_row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "organisation_id": "org_a",
        "id": f"evt-{n:04d}",
        "kind": "deliver",
        "barcode": "P-1",
        "order_id": "ord_1",
        "device_time": (T0 + timedelta(minutes=n)).astimezone(PLUS2),
        "server_time": T0,
        "actor_id": "usr_1",
        "device": "tc52",
        "lat": 60.1,
        "lon": None,
        "lane": "",
        "vehicle_id": "",
        "reason": None,
        "note": "Hyvää päivää",
        "proof": {"recipient_name": "Åsa", "files": ["ab" * 32]},
        "fingerprint": "f" * 64,
        "problem": None,
    }
    return row | changes


def test_bulk_rows_read_back_as_execute_stores_them(
    container: Container, org: Organisation
) -> None:
    """Times as the same UTC instants, JSON, None and text: the driver path equals execute."""
    with container.uow() as uow:
        uow.orders.add(order())
        conn = uow.scans._conn
        execute_many(conn, insert(t.scan_events), [_event_row(1), _event_row(2, proof=None)])
        conn.execute(insert(t.scan_events), [_event_row(3), _event_row(4, proof=None)])
        rows = conn.execute(select(t.scan_events).order_by(t.scan_events.c.id)).all()
        uow.commit()
    fast, slow = rows[:2], rows[2:]
    for a, b in zip(fast, slow, strict=True):
        blank = {"id": "", "device_time": None}
        assert dict(a._mapping) | blank == dict(b._mapping) | blank
        assert a.device_time == b.device_time - timedelta(minutes=2)
        assert a.device_time.utcoffset() == timedelta(0)
    assert fast[0].proof == {"recipient_name": "Åsa", "files": ["ab" * 32]}


def test_bulk_update_by_bound_parameters(container: Container, org: Organisation) -> None:
    """An UPDATE whose WHERE and SET come from the rows' own keys changes just those rows."""
    o = t.orders.c
    statement = (
        update(t.orders)
        .where(o.organisation_id == bindparam("b_org"), o.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), updated_at=bindparam("b_at"))
    )
    later = T0 + timedelta(hours=3)
    with container.uow() as uow:
        uow.orders.add(order())
        uow.orders.add(order("org_a", "ord_2", "Q-1"))
        rows = [{"b_org": "org_a", "b_id": "ord_2", "b_status": "sorted", "b_at": later}]
        execute_many(uow.scans._conn, statement, rows)
        found = dict(uow.scans._conn.execute(select(o.id, o.status)).all())
        at = uow.scans._conn.execute(select(o.updated_at).where(o.id == "ord_2")).scalar_one()
        uow.commit()
    assert found["ord_2"] == "sorted"
    assert found["ord_1"] != "sorted"
    assert at == later


def test_rows_lacking_a_bound_value_are_refused(container: Container, org: Organisation) -> None:
    """A row without a value the statement binds is an error, not a silent NULL."""
    row = _event_row(1)
    del row["problem"]
    statement = insert(t.scan_events).values(problem=bindparam("why"))
    with container.uow() as uow, pytest.raises(ValueError, match="why"):
        execute_many(uow.scans._conn, statement, [row])
