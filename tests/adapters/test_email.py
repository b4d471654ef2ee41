"""The SMTP sender against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from doorstep.adapters.email import SmtpEmailSender, SmtpSecurity, SmtpSettings
from doorstep.domain.notifications import Outcome

GREETING = "Hyvää päivää, Åsa"
TEXT = f"{GREETING}!\n\nPakettisi saapuu tänään klo 14-16.\n"
HTML = f"<p>{GREETING}!</p><p>Pakettisi saapuu tänään klo <b>14-16</b>.</p>"


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses chosen recipients."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.refuse_data: str | None = None
        self.logins: list[bytes] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued as 7F3A"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"pakettiauto"
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)  # handled=True would leave the reply to us

    def received(self) -> EmailMessage:
        (envelope,) = self.envelopes
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class LoopbackController(Controller):  # type: ignore[misc]
    """aiosmtpd on a port the system picks: read back before the controller's readiness
    check connects to it."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def running(mailbox: Mailbox, **kwargs: Any) -> Iterator[LoopbackController]:
    controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def server(mailbox: Mailbox) -> Iterator[LoopbackController]:
    yield from running(mailbox)


def sender(port: int, *, tls: ssl.SSLContext | None = None, **settings: Any) -> SmtpEmailSender:
    return SmtpEmailSender(
        SmtpSettings(
            host="127.0.0.1", port=port, from_address="ilmoitukset@kuriiri.example", **settings
        ),
        tls_context=tls,
    )


def test_a_message_arrives_with_its_headers_text_and_html(
    server: LoopbackController, mailbox: Mailbox
) -> None:
    """Envelope, headers, the UTF-8 text and its HTML alternative arrive as given."""
    result = sender(server.port, from_name="Kuriiri Oy").send(
        to="asa@example.fi",
        to_name="Åsa Berg",
        subject=f"{GREETING}: paketti",
        text=TEXT,
        html=HTML,
    )
    assert (result.outcome, result.status_code, result.error) == (Outcome.ACCEPTED, 250, "")
    (envelope,) = mailbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "ilmoitukset@kuriiri.example",
        ["asa@example.fi"],
    )
    message = mailbox.received()
    assert message["Message-ID"] == result.reference
    assert str(result.reference).endswith("@kuriiri.example>")
    assert message["From"] == "Kuriiri Oy <ilmoitukset@kuriiri.example>"
    assert message["To"] == "Åsa Berg <asa@example.fi>"
    assert message["Subject"] == f"{GREETING}: paketti"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    # SMTP carries lines ending CRLF, and the parser keeps them.
    assert text.get_content().replace("\r\n", "\n") == TEXT
    assert html.get_content().strip() == HTML
    assert text.get_content_charset() == "utf-8"
    envelope.original_content.decode("ascii")  # 7-bit on the wire: any relay may carry it


def test_text_only_is_a_single_part(server: LoopbackController, mailbox: Mailbox) -> None:
    """Without HTML the message is plain text, not a multipart with one part."""
    result = sender(server.port).send(to="asa@example.fi", subject="Paketti", text=TEXT)
    assert result.accepted
    assert mailbox.received().get_content_type() == "text/plain"
    assert mailbox.received().get_content().replace("\r\n", "\n") == TEXT


def test_every_message_gets_its_own_message_id(server: LoopbackController) -> None:
    """Two sends, two Message-IDs: the delivery log can tell them apart."""
    smtp = sender(server.port)
    first, second = (smtp.send(to="a@example.fi", subject="s", text="t") for _ in range(2))
    assert first.reference != second.reference


@pytest.mark.parametrize(
    ("reply", "outcome", "error_code"),
    [
        ("550 5.1.1 <nobody@example.fi>: Recipient unknown", Outcome.PERMANENT_FAILURE, "5.1.1"),
        ("451 4.7.1 Greylisted, please try again later", Outcome.TEMPORARY_FAILURE, "4.7.1"),
        ("452 Mailbox full", Outcome.TEMPORARY_FAILURE, None),
    ],
)  # fmt: skip
def test_a_refused_recipient_maps_to_permanent_or_temporary(
    server: LoopbackController, mailbox: Mailbox, reply: str, outcome: Outcome, error_code: str
) -> None:
    """5xx is for good, 4xx for now; the code, enhanced status and reply are kept."""
    mailbox.refuse_rcpt["nobody@example.fi"] = reply
    result = sender(server.port).send(to="nobody@example.fi", subject="s", text="t")
    assert result.outcome is outcome
    assert result.status_code == int(reply[:3])
    assert result.error_code == error_code
    assert result.error == f"SMTP {reply[:3]}: {reply[4:]}"
    assert mailbox.envelopes == []


def test_a_refusal_after_the_data_is_classified_too(
    server: LoopbackController, mailbox: Mailbox
) -> None:
    """A server refusing the message itself (spam, 554) is a permanent failure."""
    mailbox.refuse_data = "554 5.7.1 Message rejected as spam"
    result = sender(server.port).send(to="asa@example.fi", subject="s", text="t")
    assert (result.outcome, result.status_code, result.error_code) == (
        Outcome.PERMANENT_FAILURE, 554, "5.7.1"
    )  # fmt: skip


def test_no_server_is_a_temporary_failure() -> None:
    """Nothing listening: a result to retry, not an exception."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = sender(port, timeout_s=2).send(to="asa@example.fi", subject="s", text="t")
    assert (result.outcome, result.status_code) == (Outcome.TEMPORARY_FAILURE, None)
    assert result.error.startswith(f"SMTP server 127.0.0.1:{port} failed: ConnectionRefused")


@pytest.mark.parametrize(
    ("to", "subject"),
    [("not-an-address", "s"), ("asa@example.fi", "Paketti\r\nBcc: everyone@example.fi")],
)
def test_what_cannot_be_written_is_a_permanent_failure(
    server: LoopbackController, mailbox: Mailbox, to: str, subject: str
) -> None:
    """A malformed address or a header with a line break is refused before connecting."""
    result = sender(server.port).send(to=to, subject=subject, text="t")
    assert result.outcome is Outcome.PERMANENT_FAILURE
    assert result.error.startswith("cannot write a message")
    assert mailbox.envelopes == []


def test_settings_refuse_a_username_without_a_password() -> None:
    """Half a login is a configuration mistake, caught when the settings are made."""
    with pytest.raises(ValueError, match="username and a password"):
        SmtpSettings(host="h", port=25, from_address="a@example.fi", username="courier")


# -- TLS and login -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - our own fixed command
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.TLS])
def test_login_over_tls(
    certificate: tuple[Path, Path], mailbox: Mailbox, security: SmtpSecurity
) -> None:
    """Over STARTTLS or TLS from the start, with a login the server requires, the message
    is accepted; a wrong password is a permanent failure (535); an untrusted certificate too."""
    cert, key = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    tls = {"ssl_context": served} if security is SmtpSecurity.TLS else {"tls_context": served}
    for server in running(
        mailbox,
        require_starttls=security is SmtpSecurity.STARTTLS,
        authenticator=mailbox.authenticate,
        # aiosmtpd offers AUTH only after its own STARTTLS, so for TLS from the start it
        # must be told that the connection is safe already.
        auth_require_tls=security is SmtpSecurity.STARTTLS,
        **tls,
    ):
        trusting = ssl.create_default_context(cafile=str(cert))
        login = {"security": security, "username": "courier"}
        good = sender(server.port, tls=trusting, password="pakettiauto", **login)
        assert good.send(to="asa@example.fi", subject="s", text=TEXT).accepted
        refused = sender(server.port, tls=trusting, password="wrong", **login).send(
            to="asa@example.fi", subject="s", text="t"
        )
        untrusted = sender(server.port, password="pakettiauto", **login).send(
            to="asa@example.fi", subject="s", text="t"
        )
    assert mailbox.logins == [b"courier"]
    assert mailbox.received().get_content().replace("\r\n", "\n") == TEXT
    assert (refused.outcome, refused.status_code) == (Outcome.PERMANENT_FAILURE, 535)
    assert untrusted.outcome is Outcome.PERMANENT_FAILURE
    assert untrusted.error.startswith("TLS failed")
