"""The order life cycle: the transition table, exercised through ``Order.move_to``."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidTransition
from doorstep.domain.order_status import FINAL, TRANSITIONS, OrderStatus
from doorstep.domain.orders import Address, Order, OrderKind, Recipient

S = OrderStatus
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
ALL_PAIRS = st.tuples(st.sampled_from(list(S)), st.sampled_from(list(S)))


def new_order() -> Order:
    return Order(
        "ord_1",
        "org_1",
        "acme",
        "REF-1",
        OrderKind.DELIVERY,
        Recipient("Ann"),
        Address("Main St 1, Helsinki"),
        T0,
    )


def paths_from(start: OrderStatus) -> dict[OrderStatus, list[OrderStatus]]:
    """The shortest path (excluding ``start``) to every status reachable from ``start``."""
    paths: dict[OrderStatus, list[OrderStatus]] = {start: []}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in sorted(TRANSITIONS[current]):
            if nxt not in paths:
                paths[nxt] = [*paths[current], nxt]
                queue.append(nxt)
    return paths


def order_at(status: OrderStatus) -> Order:
    order = new_order()
    for step, nxt in enumerate(paths_from(S.CREATED)[status]):
        order.move_to(nxt, T0 + timedelta(minutes=step + 1))
    return order


@given(st.data())
def test_every_legal_walk_is_accepted_and_recorded(data: st.DataObject) -> None:
    """Any walk along the table's edges is accepted; history records each step in order."""
    order, current, expected = new_order(), S.CREATED, []
    for step in range(data.draw(st.integers(0, 25), label="length")):
        if not TRANSITIONS[current]:
            break
        nxt = data.draw(st.sampled_from(sorted(TRANSITIONS[current])), label=f"step {step}")
        at = T0 + timedelta(minutes=step + 1)
        order.move_to(nxt, at, reason=f"step {step}")
        expected.append((at, current, nxt, f"step {step}"))
        current = nxt
    assert order.status is current
    assert [(c.at, c.from_status, c.to_status, c.reason) for c in order.history] == expected
    assert order.updated_at == (expected[-1][0] if expected else None)


@given(ALL_PAIRS.filter(lambda pair: pair[1] not in TRANSITIONS[pair[0]]))
def test_every_illegal_transition_is_refused(pair: tuple[OrderStatus, OrderStatus]) -> None:
    """A change missing from the table raises InvalidTransition naming both and changes nothing."""
    current, requested = pair
    order = order_at(current)
    history, updated_at = list(order.history), order.updated_at
    with pytest.raises(InvalidTransition) as raised:
        order.move_to(requested, T0 + timedelta(days=1))
    assert f"from '{current.value}' to '{requested.value}'" in str(raised.value)
    assert raised.value.allowed == {s.value for s in TRANSITIONS[current]}
    assert (order.status, order.history, order.updated_at) == (current, history, updated_at)


def test_table_covers_every_status() -> None:
    """Each status has a row in the table, so check_transition never meets an unknown one."""
    assert set(TRANSITIONS) == set(S)


def test_every_status_is_reachable_from_created() -> None:
    """No status is dead code: each one lies on some legal path from CREATED."""
    assert set(paths_from(S.CREATED)) == set(S)


def test_final_statuses_have_no_exits() -> None:
    """Delivered, returned to sender and cancelled are final: every move out is refused."""
    assert {S.DELIVERED, S.RETURNED_TO_SENDER, S.CANCELLED} == FINAL
    for final in FINAL:
        for requested in S:
            with pytest.raises(InvalidTransition, match="final status"):
                order_at(final).move_to(requested, T0 + timedelta(days=1))


def test_every_open_status_can_still_finish() -> None:
    """From every non-final status some legal path leads to a final status (no trap cycles)."""
    for status in set(S) - FINAL:
        assert FINAL & set(paths_from(status)), status
