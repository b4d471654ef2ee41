"""Customer messages: the rules that call for them, and each message in the outbox.

A message is queued in the same transaction as the change that calls for it (a scan moving
an order out for delivery, a failed attempt), under a key made of the order and the moment
(``ord_1:attempt_failed:2``). The key is unique per channel, so a retried batch, a replayed
event or a second server noticing the same change finds the message already there: a
customer never gets the same news twice. Sending happens later, from the outbox, so a slow
SMTP server never holds up a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from doorstep.domain.errors import InvalidValue
from doorstep.domain.notifications import Channel, SendResult

LANGUAGES = ("en", "fi", "sv")
MAX_ATTEMPTS = 6  # then the message is failed for good and stays in the log


class Trigger(StrEnum):
    """The moments a customer hears from us."""

    ORDER_RECEIVED = "order_received"  # the parcel is at the station
    OUT_FOR_DELIVERY = "out_for_delivery"  # with the expected window
    STOPS_AWAY = "stops_away"  # the driver is N stops away
    DELIVERED = "delivered"  # with the proof
    ATTEMPT_FAILED = "attempt_failed"  # with the reason and a link to choose what next
    DELAYED = "delayed"  # the expected arrival left the promised window
    RESCHEDULED = "rescheduled"  # the station moved the delivery to another day or window


CUSTOMER_CHANNELS = (Channel.EMAIL, Channel.SMS)

# The triggers whose news only matters in its latest form: each says when the delivery is
# expected now (the new day and window, the window of today's run, the ETA), so a newer
# message of the same trigger makes an older one not yet sent wrong, and the customer woken
# at 08:00 by two of them would not know which to believe. The others report something that
# happened (received, an attempt failed with its reason and choices, delivered with its
# proof): each stays a fact worth its own message; a second failed attempt does not make
# the first untrue, and nothing comes after "delivered" to replace it.
LATEST_ONLY = frozenset(
    {Trigger.RESCHEDULED, Trigger.OUT_FOR_DELIVERY, Trigger.STOPS_AWAY, Trigger.DELAYED}
)


@dataclass(frozen=True)
class Rule:
    """Send ``trigger``'s message on ``channels``; ``stops_away`` only for STOPS_AWAY."""

    trigger: Trigger
    channels: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS)
    stops_away: int = 3

    def __post_init__(self) -> None:
        if not set(self.channels) <= set(CUSTOMER_CHANNELS):
            raise InvalidValue("channels", "customer messages go by email or sms")
        if not 1 <= self.stops_away <= 20:
            raise InvalidValue("stops_away", f"must be 1-20 stops, got {self.stops_away}")


@dataclass(frozen=True)
class QuietHours:
    """No message starts between ``start`` and ``end`` (local time; may span midnight)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def release(self, at: datetime, zone: str) -> datetime:
        """``at`` if it falls outside the quiet hours, else the moment they end."""
        local = at.astimezone(ZoneInfo(zone))
        now = local.time()
        quiet = (
            self.start <= now < self.end
            if self.start < self.end
            else now >= self.start or now < self.end
        )
        if not quiet:
            return at
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


DEFAULT_RULES = (
    Rule(Trigger.ORDER_RECEIVED, (Channel.EMAIL,)),
    Rule(Trigger.OUT_FOR_DELIVERY),
    Rule(Trigger.STOPS_AWAY, (Channel.SMS,)),
    Rule(Trigger.DELIVERED, (Channel.EMAIL,)),
    Rule(Trigger.ATTEMPT_FAILED),
    Rule(Trigger.DELAYED),
    Rule(Trigger.RESCHEDULED),
)

# Weekday names as a date is said in each language ("on Thursday 26.11."), Monday first;
# Finnish in the essive ("torstaina"), as in "toimitetaan torstaina".
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fi": (
        "maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina",
        "sunnuntaina",
    ),
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
}  # fmt: skip


def day_words(day: date, language: str) -> str:
    """``day`` as a message says it: weekday and day.month. ("Thursday 26.11."), the way
    dates are written in the Nordic countries doorstep serves; English where a language is
    not known."""
    names = _WEEKDAYS.get(language, _WEEKDAYS["en"])
    return f"{names[day.weekday()]} {day.day}.{day.month}."


@dataclass(frozen=True)
class TemplateText:
    """An organisation's own wording of one message (Jinja2, sandboxed): the defaults apply
    to every trigger, channel and language it does not give."""

    trigger: Trigger
    channel: Channel
    language: str
    subject: str  # unused for SMS
    body: str

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidValue("language", f"must be one of {', '.join(LANGUAGES)}")
        if not self.body.strip() or len(self.body) > 5000 or len(self.subject) > 200:
            raise InvalidValue("body", "a body of 1-5000 characters, a subject up to 200")


def with_new_defaults(rules: Sequence[Rule], off: Iterable[Trigger]) -> tuple[Rule, ...]:
    """The rules stored settings apply: the organisation's own ``rules``, and the default
    rule of each trigger it never decided on, neither in ``rules`` nor switched ``off``
    (a trigger doorstep gained after the settings were saved)."""
    decided = {r.trigger for r in rules} | set(off)
    return (*rules, *(r for r in DEFAULT_RULES if r.trigger not in decided))


@dataclass(frozen=True)
class MessageSettings:
    """An organisation's rules: a trigger without one sends nothing. Without stored
    settings, ``DEFAULT_RULES`` apply; stored settings say which triggers were switched
    ``off``, so triggers added later get their default (``with_new_defaults``)."""

    organisation_id: str
    rules: tuple[Rule, ...] = DEFAULT_RULES
    quiet_hours: QuietHours | None = QuietHours()
    language: str = "en"
    templates: tuple[TemplateText, ...] = ()

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidValue("language", f"must be one of {', '.join(LANGUAGES)}")
        triggers = [r.trigger for r in self.rules]
        if len(triggers) != len(set(triggers)):
            raise InvalidValue("rules", "give each trigger at most one rule")

    def rule(self, trigger: Trigger) -> Rule | None:
        return next((r for r in self.rules if r.trigger is trigger), None)

    @property
    def off(self) -> frozenset[Trigger]:
        """The triggers that send nothing: what storing the settings records as "off"."""
        return frozenset(t for t in Trigger if self.rule(t) is None)

    def template(self, trigger: Trigger, channel: Channel) -> TemplateText | None:
        return next(
            (
                t
                for t in self.templates
                if (t.trigger, t.channel, t.language) == (trigger, channel, self.language)
            ),
            None,
        )


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # the SMTP server or SMS provider accepted it
    FAILED = "failed"  # refused for good, or out of attempts
    SKIPPED = "skipped"  # no address for the channel, or no sender configured
    SUPERSEDED = "superseded"  # a newer message of a LATEST_ONLY trigger replaced it unsent


@dataclass(frozen=True)
class Message:
    id: str
    organisation_id: str
    order_id: str
    trigger: Trigger
    channel: Channel
    key: str  # unique with the channel: the same news is queued once
    recipient: str  # e-mail address or phone number
    facts: str  # JSON: what the template says (window, reason ...), as it was at the time
    created_at: datetime
    not_before: datetime  # quiet hours, then the retry schedule
    subject: str = ""  # rendered when sent, kept for the log
    body: str = ""
    status: MessageStatus = MessageStatus.QUEUED
    attempts: int = 0
    last_error: str = ""
    reference: str | None = None  # the Message-ID or the provider's message id
    sent_at: datetime | None = None
    superseded_by: str | None = None  # the id of the newer message sent instead

    def attempted(
        self, result: SendResult, at: datetime, retry_in_s: float | None, subject: str, body: str
    ) -> Message:
        """The message after one attempt: sent, failed for good, or queued again for later."""
        base = replace(self, subject=subject, body=body, attempts=self.attempts + 1)
        if result.accepted:
            sent = MessageStatus.SENT
            return replace(base, status=sent, sent_at=at, reference=result.reference, last_error="")
        error = result.error or f"status {result.status_code}"
        if not result.retryable or retry_in_s is None or base.attempts >= MAX_ATTEMPTS:
            return replace(base, status=MessageStatus.FAILED, last_error=error)
        wait = max(retry_in_s, result.retry_after_s or 0.0)
        return replace(base, last_error=error, not_before=at + timedelta(seconds=wait))

    def skipped(self, why: str) -> Message:
        """Not sent, and never will be: the log says why."""
        return replace(self, status=MessageStatus.SKIPPED, last_error=why)

    def supersedes(self, other: Message) -> bool:
        """Whether this newer message replaces ``other``, queued before it and not sent yet:
        the same order, trigger, channel and recipient, of a trigger where only the latest
        news matters. Kept on record, ``other`` still names its news: a replay of it is
        known and queued no more."""
        return (
            self.trigger in LATEST_ONLY
            and other.status is MessageStatus.QUEUED
            and other.id != self.id
            and (other.organisation_id, other.order_id, other.trigger, other.channel)
            == (self.organisation_id, self.order_id, self.trigger, self.channel)
            and other.recipient == self.recipient
        )

    def superseded(self, by: str) -> Message:
        """Replaced by the newer message ``by`` before it was sent: it never will be."""
        return replace(self, status=MessageStatus.SUPERSEDED, superseded_by=by)
