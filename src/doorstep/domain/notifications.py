"""What one attempt to send a notification came to, the same for e-mail, SMS and webhooks.

The senders (SMTP, Twilio, integrators' webhook endpoints) never raise for a failure on the
other side: a server down or a number refused is a normal outcome, stored in the delivery log
and retried or not by the ``Outcome`` alone, so the retry rules need not know the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class Outcome(StrEnum):
    """How an attempt ended, and so whether another attempt may help."""

    #: The other side took it: a subscriber answered 2xx, the SMTP server said 250, Twilio
    #: created the message. For e-mail and SMS that means handed over, not yet read: bounces
    #: and Twilio's status callbacks report what happens after.
    ACCEPTED = "accepted"
    #: Failed for now (a server down, a timeout, an SMTP 4xx, HTTP 429 or 5xx): try again later.
    TEMPORARY_FAILURE = "temporary_failure"
    #: Refused for good (an SMTP 5xx, an invalid phone number, HTTP 410 Gone from a webhook
    #: subscriber): another attempt gets the same answer.
    PERMANENT_FAILURE = "permanent_failure"


@dataclass(frozen=True)
class SendResult:
    """One attempt, as the delivery log stores it.

    ``reference`` is the id the message is known by afterwards (the SMTP Message-ID, Twilio's
    message SID), ``status_code`` the HTTP status or SMTP reply code when the other side
    answered, ``error_code`` its own code for a refusal (Twilio's ``21211``, SMTP's enhanced
    status ``5.1.1``), ``retry_after_s`` how long it asked us to wait, if it did.
    """

    outcome: Outcome
    duration_ms: int
    reference: str | None = None
    status_code: int | None = None
    provider_status: str | None = None
    error: str = ""
    error_code: str | None = None
    retry_after_s: float | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def retryable(self) -> bool:
        return self.outcome is Outcome.TEMPORARY_FAILURE


def retry_after_s(value: str | None) -> float | None:
    """The wait an HTTP ``Retry-After`` header asks for, in its delta-seconds form; None
    without one, or for its HTTP-date form (reading that would need the clock, and the retry
    schedule waits anyway)."""
    if value is None or not (text := value.strip()).isdigit() or not text.isascii():
        return None
    return float(text)
