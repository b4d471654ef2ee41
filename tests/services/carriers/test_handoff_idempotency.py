"""A hand-off under an Idempotency-Key (``services.idempotency.run_staged``): the answer is kept
in the transaction that stores the hand-off, and two requests with the same key racing
through the partner's booking make one hand-off and give one answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from doorstep.domain.carriers import ServiceLevel
from doorstep.domain.errors import InvalidValue
from doorstep.domain.handoffs import Booking, CarrierConnection, ShipmentRequest
from doorstep.services import idempotency
from doorstep.services.authorization import Principal
from doorstep.services.carriers import handoff
from doorstep.services.ports import CarrierGateway, UnitOfWork
from tests.services.carriers.test_handoff import (
    PARTNER,
    FakeGateway,
    gateway,
    hports,
    partner,
    ready_order,
)
from tests.services.conftest import Ports
from tests.services.planning.test_runs import station

__all__ = ["gateway", "hports", "partner", "station"]  # fixtures


def staged(
    admin: Principal, ports: Ports, hports: handoff.HandoffPorts, key: str, body: str = "b"
) -> idempotency.Outcome:
    """What the route does: the hand-off, its answer (here its id) kept with it."""

    def perform(answer: idempotency.Answer) -> None:
        def remember(uow: UnitOfWork, made: handoff.Handoff) -> None:
            answer.keep(uow, 201, made.id)

        handoff.hand_off(
            admin, "I-1", PARTNER, ServiceLevel.SAME_DAY, ports=hports, remember=remember
        )

    return idempotency.run_staged(admin, key, body, perform, uow=ports.uow, clock=ports.clock)


@pytest.mark.usefixtures("partner")
def test_the_answer_is_kept_with_the_hand_off_and_replayed(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    ready_order(ports, admin, "I-1")
    first = staged(admin, ports, hports, "k-1")
    assert not first.replayed
    with ports.uow:
        (stored,) = ports.uow.handoffs.list(admin.organisation_id)
        record = ports.uow.idempotency.get(admin.organisation_id, "k-1")
    assert first.body == stored.id
    assert record is not None
    assert (record.status_code, record.body) == (201, stored.id)
    again = staged(admin, ports, hports, "k-1")
    assert (again.body, again.replayed) == (first.body, True)
    assert len(gateway.requests) == 1, "the retry never reached the partner"
    handoff.cancel(admin, stored.id, ports=hports)
    assert staged(admin, ports, hports, "k-1").body == first.body
    assert len(gateway.requests) == 1
    with pytest.raises(InvalidValue, match="was already used for another request"):
        staged(admin, ports, hports, "k-1", body="another body")


@pytest.mark.usefixtures("partner")
def test_two_requests_racing_with_one_key_make_one_hand_off(
    ports: Ports, admin: Principal, gateway: FakeGateway, hports: handoff.HandoffPorts
) -> None:
    """The first request's booking is slow; meanwhile the same request again (a client's
    retry) books, gets the same booking (the partner's own key) and finishes. The first then
    finds the booking stored, cannot claim the key, and answers the second's answer."""
    ready_order(ports, admin, "I-1")
    racing: list[idempotency.Outcome] = []

    class Slow:
        def __getattr__(self, name: str) -> object:
            return getattr(gateway, name)

        def book(self, request: ShipmentRequest) -> Booking:
            if not racing:
                racing.append(staged(admin, ports, replace(hports, gateways=plain), "k-2"))
            return gateway.book(request)

    def plain(code: str, connection: CarrierConnection) -> CarrierGateway:
        return gateway

    def slow(code: str, connection: CarrierConnection) -> CarrierGateway:
        return Slow()  # type: ignore[return-value]

    first = staged(admin, ports, replace(hports, gateways=slow), "k-2")
    (second,) = racing
    assert not second.replayed
    assert (first.body, first.replayed) == (second.body, True)
    with ports.uow:
        stored = ports.uow.handoffs.list(admin.organisation_id)
    assert [h.id for h in stored] == [second.body]
    assert {r.idempotency_key for r in gateway.requests} == {f"{stored[0].order_id}:1"}
    assert len(gateway.bookings) == 1
