"""Sending customer notifications by e-mail through an SMTP server (smtplib).

One call is one attempt over a fresh connection: notifications are few per minute, and a
fresh connection never trips over a server that dropped an idle one. SMTP's own reply codes
decide what an error means: 4xx is temporary (greylisting, a full queue; try again later),
5xx permanent (no such mailbox, refused as spam; another attempt gets the same answer).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum

from doorstep.domain.notifications import Outcome, SendResult

#: RFC 3463 enhanced status codes, which servers put at the start of their reply text.
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP: a relay on the same host or network
    STARTTLS = "starttls"  # upgraded after connecting, usually port 587
    TLS = "tls"  # TLS from the first byte ("SMTPS"), usually port 465


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    from_address: str
    from_name: str = ""
    security: SmtpSecurity = SmtpSecurity.NONE
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise ValueError("SMTP needs a host name")
        if not 0 < self.port < 65536:
            raise ValueError(f"the SMTP port must be 1-65535, got {self.port}")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both an SMTP username and a password, or neither")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {self.timeout_s}")
        Address(addr_spec=self.from_address)  # raises ValueError for a malformed address


class SmtpEmailSender:
    """An ``EmailSender`` over SMTP. It sets each message's Message-ID, so the delivery log
    can name the message and bounces can be matched to it (``SendResult.reference``)."""

    def __init__(
        self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self._settings = settings
        self._tls = tls_context or ssl.create_default_context()

    def send(
        self, *, to: str, subject: str, text: str, html: str | None = None, to_name: str = ""
    ) -> SendResult:
        """Send ``text`` (and ``html`` as its alternative) to the address ``to``; an address
        or subject that cannot be written is a permanent failure, not an exception."""
        started = time.perf_counter()
        try:
            message = self.message(to=to, subject=subject, text=text, html=html, to_name=to_name)
        except ValueError as exc:
            error = f"cannot write a message to {to!r}: {exc}"
            return _result(started, Outcome.PERMANENT_FAILURE, error)
        message_id = str(message["Message-ID"])
        try:
            self._deliver(message, to)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return _refused(started, code, reply, message_id)
        except smtplib.SMTPResponseException as exc:  # sender, data, auth, greeting refused
            return _refused(started, exc.smtp_code, exc.smtp_error, message_id)
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no STARTTLS: the settings are wrong
            return _result(started, Outcome.PERMANENT_FAILURE, f"{exc}", message_id)
        except ssl.SSLError as exc:  # a certificate not trusted: also the settings, not luck
            return _result(started, Outcome.PERMANENT_FAILURE, f"TLS failed: {exc}", message_id)
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, disconnected
            where = f"{self._settings.host}:{self._settings.port}"
            error = f"SMTP server {where} failed: {exc!r}"
            return _result(started, Outcome.TEMPORARY_FAILURE, error, message_id)
        return SendResult(
            Outcome.ACCEPTED, _elapsed_ms(started), reference=message_id, status_code=250
        )

    def message(
        self, *, to: str, subject: str, text: str, html: str | None = None, to_name: str = ""
    ) -> EmailMessage:
        """The message as it will be sent; ValueError for a malformed address, or a line break
        in a header (which could smuggle in headers of its own)."""
        settings = self._settings
        sender = Address(display_name=settings.from_name, addr_spec=settings.from_address)
        message = EmailMessage()
        message["From"] = sender
        message["To"] = Address(display_name=to_name, addr_spec=to)
        message["Subject"] = subject
        # The moment of handing over, like the Received lines servers add; nothing decides by it.
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=sender.domain)
        # RFC 3834: an automatic message, so out-of-office replies are not sent back to it.
        message["Auto-Submitted"] = "auto-generated"
        # Quoted-printable keeps non-ASCII text (Hyvää päivää) 7-bit safe for any relay on the
        # way, and still readable in the raw message, unlike base64.
        message.set_content(text, cte="quoted-printable")
        if html is not None:
            message.add_alternative(html, subtype="html", cte="quoted-printable")
        return message

    def _deliver(self, message: EmailMessage, to: str) -> None:
        s = self._settings
        smtp: smtplib.SMTP
        if s.security is SmtpSecurity.TLS:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=self._tls)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        # Not ``with smtp``: its QUIT on a connection that just failed (a TLS handshake
        # refused mid-way) would wait out the whole timeout and hide the first error.
        try:
            if s.security is SmtpSecurity.STARTTLS:
                smtp.starttls(context=self._tls)
            if s.username is not None and s.password is not None:
                smtp.login(s.username, s.password)
            smtp.send_message(message, from_addr=s.from_address, to_addrs=[to])
            # The message is accepted; a goodbye lost on the way changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        finally:
            smtp.close()


def _refused(started: float, code: int, reply: bytes | str, message_id: str) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    enhanced = _ENHANCED.match(text)
    # 5xx is for good; 4xx and anything odd (smtplib's -1 for a garbled reply) may pass.
    outcome = Outcome.PERMANENT_FAILURE if 500 <= code < 600 else Outcome.TEMPORARY_FAILURE
    return SendResult(
        outcome,
        _elapsed_ms(started),
        reference=message_id,
        status_code=code,
        error=f"SMTP {code}: {' '.join(text.split())[:300]}",
        error_code=enhanced.group(1) if enhanced else None,
    )


def _result(
    started: float, outcome: Outcome, error: str, message_id: str | None = None
) -> SendResult:
    return SendResult(outcome, _elapsed_ms(started), reference=message_id, error=error)


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
