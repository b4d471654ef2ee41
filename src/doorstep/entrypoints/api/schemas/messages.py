"""Customer-message settings and log, webhook subscriptions and deliveries, for the API."""

from __future__ import annotations

from datetime import datetime, time

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.messages import (
    LANGUAGES,
    Message,
    MessageSettings,
    MessageStatus,
    QuietHours,
    Rule,
    TemplateText,
    Trigger,
)
from doorstep.domain.notifications import Channel
from doorstep.domain.subscriptions import Delivery, DeliveryStatus, EventType, Subscription


class RuleIo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trigger: Trigger
    channels: list[Channel] = Field(default_factory=lambda: [Channel.EMAIL, Channel.SMS])
    stops_away: int = Field(default=3, ge=1, le=20)


class QuietHoursIo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: time
    end: time


class TemplateIo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trigger: Trigger
    channel: Channel
    language: str = Field(description=f"one of {', '.join(LANGUAGES)}")
    subject: str = ""
    body: str


class MessageSettingsIo(BaseModel):
    """Which moments send which messages, when not to send, and in whose words."""

    model_config = ConfigDict(extra="forbid")
    rules: list[RuleIo]
    quiet_hours: QuietHoursIo | None = None
    language: str = "en"
    templates: list[TemplateIo] = Field(default_factory=list)

    def to_settings(self, org: str) -> MessageSettings:
        quiet = self.quiet_hours
        return MessageSettings(
            org,
            tuple(Rule(r.trigger, tuple(r.channels), r.stops_away) for r in self.rules),
            None if quiet is None else QuietHours(quiet.start, quiet.end),
            self.language,
            tuple(
                TemplateText(t.trigger, t.channel, t.language, t.subject, t.body)
                for t in self.templates
            ),
        )

    @classmethod
    def of(cls, s: MessageSettings) -> MessageSettingsIo:
        quiet = s.quiet_hours
        return cls(
            rules=[RuleIo(trigger=r.trigger, channels=list(r.channels), stops_away=r.stops_away)
                   for r in s.rules],
            quiet_hours=None if quiet is None else QuietHoursIo(start=quiet.start, end=quiet.end),
            language=s.language,
            templates=[TemplateIo(trigger=t.trigger, channel=t.channel, language=t.language,
                                  subject=t.subject, body=t.body) for t in s.templates],
        )  # fmt: skip


class MessageOut(BaseModel):
    id: str
    order_id: str
    trigger: Trigger
    channel: Channel
    recipient: str
    status: MessageStatus
    subject: str
    body: str
    attempts: int
    last_error: str
    reference: str | None
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None
    superseded_by: str | None = Field(
        default=None, description="status superseded: the newer message sent instead"
    )

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        fields = {name: getattr(m, name) for name in cls.model_fields}
        return cls(**fields)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="where to POST, http(s)")
    event_types: list[EventType] = Field(min_length=1)
    description: str = Field(default="", max_length=200)


class SubscriptionOut(BaseModel):
    id: str
    url: str
    event_types: list[EventType]
    description: str
    active: bool
    created_at: datetime
    secret: str | None = Field(
        default=None, description="whsec_...: shown only when the subscription is made"
    )

    @classmethod
    def of(cls, s: Subscription, *, with_secret: bool = False) -> SubscriptionOut:
        return cls(
            id=s.id, url=s.url, event_types=sorted(s.event_types), description=s.description,
            active=s.active, created_at=s.created_at, secret=s.secret if with_secret else None,
        )  # fmt: skip


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    payload: str

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(**{name: getattr(d, name) for name in cls.model_fields})
