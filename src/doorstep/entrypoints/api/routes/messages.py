"""Customer messages (rules, wording, the delivery log) and integrators' webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from doorstep.domain.subscriptions import DeliveryStatus
from doorstep.entrypoints.api.deps import ContainerDep, PrincipalDep
from doorstep.entrypoints.api.schemas.messages import (
    DeliveryOut,
    MessageOut,
    MessageSettingsIo,
    SubscriptionIn,
    SubscriptionOut,
)
from doorstep.services import messages, webhooks

router = APIRouter(tags=["messages and webhooks"])


@router.get("/message-settings", summary="Which moments send customer messages, and how")
def get_settings(principal: PrincipalDep, c: ContainerDep) -> MessageSettingsIo:
    return MessageSettingsIo.of(messages.get_settings(principal, uow=c.reader()))


@router.put("/message-settings", summary="Replace the rules, quiet hours and own templates")
def put_settings(
    body: MessageSettingsIo, principal: PrincipalDep, c: ContainerDep
) -> MessageSettingsIo:
    saved = messages.save_settings(
        principal, body.to_settings(principal.organisation_id), uow=c.uow(),
        templates=c.message_templates(),
    )  # fmt: skip
    return MessageSettingsIo.of(saved)


@router.get("/messages", summary="The customer-message log, newest first")
def list_messages(
    principal: PrincipalDep,
    c: ContainerDep,
    order_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MessageOut]:
    found = messages.list_messages(principal, order_id=order_id, limit=limit, uow=c.reader())
    return [MessageOut.of(m) for m in found]


@router.post(
    "/webhooks/subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to event types; the answer shows the signing secret, once",
)
def subscribe(body: SubscriptionIn, principal: PrincipalDep, c: ContainerDep) -> SubscriptionOut:
    made = webhooks.subscribe(
        principal, body.url, body.event_types, description=body.description, uow=c.uow(),
        clock=c.clock, ids=c.ids, secrets=c.secrets,
    )  # fmt: skip
    return SubscriptionOut.of(made, with_secret=True)


@router.get("/webhooks/subscriptions", summary="The organisation's webhook subscriptions")
def list_subscriptions(principal: PrincipalDep, c: ContainerDep) -> list[SubscriptionOut]:
    return [SubscriptionOut.of(s) for s in webhooks.list_subscriptions(principal, uow=c.reader())]


@router.delete("/webhooks/subscriptions/{subscription_id}", summary="Stop a subscription")
def unsubscribe(subscription_id: str, principal: PrincipalDep, c: ContainerDep) -> SubscriptionOut:
    return SubscriptionOut.of(webhooks.unsubscribe(principal, subscription_id, uow=c.uow()))


@router.get("/webhooks/deliveries", summary="The webhook delivery log, newest first")
def list_deliveries(
    principal: PrincipalDep,
    c: ContainerDep,
    subscription_id: str | None = None,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    found = webhooks.list_deliveries(
        principal, subscription_id=subscription_id, status=status_, limit=limit, uow=c.reader()
    )
    return [DeliveryOut.of(d) for d in found]


@router.post("/webhooks/deliveries/{delivery_id}:replay", summary="Send a delivery again")
def replay(delivery_id: str, principal: PrincipalDep, c: ContainerDep) -> DeliveryOut:
    return DeliveryOut.of(webhooks.replay(principal, delivery_id, uow=c.uow(), clock=c.clock))
