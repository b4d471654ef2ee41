"""Idempotent requests: a retried POST performs once and replays the first answer."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.services import orders
from doorstep.services.authorization import Principal
from doorstep.services.idempotency import KEY_FIELD, fingerprint, run_once
from doorstep.services.ports import OrderFilter
from tests.services.conftest import Ports, order_fields

PRINT = fingerprint("POST", "/api/v1/orders", b'{"ref": 1}')


class Boom(Exception):
    """A failure raised on purpose inside a perform callback."""


def test_performs_once_and_replays_the_body(ports: Ports, admin: Principal) -> None:
    """The second call with the same key and request replays the first answer without performing."""
    calls: list[int] = []

    def perform() -> tuple[int, str]:
        calls.append(1)
        return 201, f'{{"n": {len(calls)}}}'

    first = run_once(admin, "k-1", PRINT, perform, uow=ports.uow, clock=ports.clock)
    second = run_once(admin, "k-1", PRINT, perform, uow=ports.uow, clock=ports.clock)
    assert (first.status_code, first.body, first.replayed) == (201, '{"n": 1}', False)
    assert (second.status_code, second.body, second.replayed) == (201, '{"n": 1}', True)
    assert len(calls) == 1


def test_keys_are_per_organisation(ports: Ports, admin: Principal, rival: Principal) -> None:
    """Two tenants using the same key do not see each other's answers."""
    mine = run_once(admin, "k-1", PRINT, lambda: (201, "mine"), uow=ports.uow, clock=ports.clock)
    theirs = run_once(
        rival, "k-1", PRINT, lambda: (201, "theirs"), uow=ports.uow, clock=ports.clock
    )
    assert (mine.body, theirs.body, theirs.replayed) == ("mine", "theirs", False)


def test_same_key_for_another_request_is_refused(ports: Ports, admin: Principal) -> None:
    """Reusing a key with another path or body names the Idempotency-Key field."""
    run_once(admin, "k-1", PRINT, lambda: (201, "{}"), uow=ports.uow, clock=ports.clock)
    other = fingerprint("POST", "/api/v1/orders", b'{"ref": 2}')
    with pytest.raises(InvalidValue) as raised:
        run_once(admin, "k-1", other, lambda: (201, "{}"), uow=ports.uow, clock=ports.clock)
    assert raised.value.field == KEY_FIELD == "Idempotency-Key"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_malformed_keys_are_refused(ports: Ports, admin: Principal, key: str) -> None:
    """Keys are 1-255 printable characters."""
    with pytest.raises(InvalidValue) as raised:
        run_once(admin, key, PRINT, lambda: (201, "{}"), uow=ports.uow, clock=ports.clock)
    assert raised.value.field == KEY_FIELD


def test_failed_perform_leaves_the_key_free(ports: Ports, admin: Principal) -> None:
    """When perform fails nothing is claimed, so a retry with the same key performs."""

    def fail() -> tuple[int, str]:
        raise Boom

    with pytest.raises(Boom):
        run_once(admin, "k-1", PRINT, fail, uow=ports.uow, clock=ports.clock)
    assert ports.uow.tables.idempotency == {}
    retry = run_once(admin, "k-1", PRINT, lambda: (201, "ok"), uow=ports.uow, clock=ports.clock)
    assert (retry.body, retry.replayed) == ("ok", False)


def test_work_of_a_failed_perform_is_rolled_back(ports: Ports, admin: Principal) -> None:
    """A service called in perform joins the outer unit: its commit is undone by a later failure."""

    def create_then_fail() -> tuple[int, str]:
        orders.create_order(
            admin, order_fields("R-1"), uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
        raise Boom

    with pytest.raises(Boom):
        run_once(admin, "k-1", PRINT, create_then_fail, uow=ports.uow, clock=ports.clock)
    listed = orders.list_orders(admin, OrderFilter(), cursor=None, limit=10, uow=ports.uow)
    assert listed.orders == []
    assert ports.uow.tables.idempotency == {}


def test_work_and_answer_commit_together(ports: Ports, admin: Principal) -> None:
    """A successful perform stores the object and the answer in one commit."""
    commits = ports.uow.commits

    def create() -> tuple[int, str]:
        order = orders.create_order(
            admin, order_fields("R-1"), uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
        return 201, order.id

    outcome = run_once(admin, "k-1", PRINT, create, uow=ports.uow, clock=ports.clock)
    assert outcome.body in ports.uow.tables.orders
    assert ports.uow.tables.idempotency[(admin.organisation_id, "k-1")].body == outcome.body
    assert ports.uow.commits == commits + 1
