"""Signing integrators' webhooks the Standard Webhooks way, and when to retry a failed one.

Standard Webhooks 1.0 (https://www.standardwebhooks.com): the sender signs
``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 under a secret shown to the
subscriber as ``whsec_`` + base64 of its bytes, and sends ``v1,`` + base64 of the digest in
``webhook-signature``. That header is a space-separated list, so during a secret's rotation a
webhook can carry a signature under the old secret and one under the new. The id stays the
same on every retry of an event (subscribers use it to process an event once); the timestamp
is the attempt's, so a receiver can refuse replays of old requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from doorstep.domain.errors import AuthenticationFailed, InvalidValue

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
_HEADERS = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's marker, not a secret
#: The spec's bounds on a symmetric secret: at least 192 bits, at most 512.
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
#: The size of new secrets: 256 bits, as long as an HMAC-SHA256 digest.
NEW_SECRET_BYTES = 32

#: How far a receiver lets a timestamp stray from its own clock (the reference libraries' 5 min).
DEFAULT_TOLERANCE_S = 300

_VERSION = "v1"
# The signed content is joined with full stops, so an id holding one could shift the parts
# (the spec's warning); ids are also header values, so printable ASCII without spaces.
_MSG_ID = re.compile(r"^[!-~]{1,256}$")


class InvalidSignature(AuthenticationFailed):
    """A webhook that does not prove it came from the holder of the secret; ``reason`` says why
    (a header missing, a timestamp outside the tolerance, no signature matching)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"webhook signature rejected: {reason}")
        self.reason = reason


def new_secret(key: bytes) -> str:
    """The ``whsec_`` form of ``key``: random bytes the caller drew (``NEW_SECRET_BYTES`` of
    ``secrets.token_bytes``), never from a seeded generator."""
    _check_key_size(len(key))
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` secret; ``InvalidValue`` if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidValue("secret", f"must start with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("secret", f"must be {SECRET_PREFIX!r} followed by base64") from None
    _check_key_size(len(key))
    return key


def _check_key_size(size: int) -> None:
    if not MIN_SECRET_BYTES <= size <= MAX_SECRET_BYTES:
        raise InvalidValue(
            "secret",
            f"the key must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, got {size}",
        )


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The signature ``v1,<base64 HMAC-SHA256>`` of ``{msg_id}.{timestamp}.{body}``."""
    if not _MSG_ID.match(msg_id) or "." in msg_id:
        raise InvalidValue("msg_id", "must be 1-256 printable ASCII characters without '.'")
    if timestamp < 0:
        raise InvalidValue("timestamp", f"must be Unix seconds, got {timestamp}")
    digest = _digest(secret_key(secret), msg_id, timestamp, body)
    return f"{_VERSION},{base64.b64encode(digest).decode('ascii')}"


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def signed_headers(
    secret: str,
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    previous_secrets: Sequence[str] = (),
) -> dict[str, str]:
    """The three headers of a webhook, signed with ``secret`` and, while a rotation lasts,
    with each of ``previous_secrets`` too (so a receiver still on an old secret accepts it)."""
    signatures = [sign(s, msg_id, timestamp, body) for s in (secret, *previous_secrets)]
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signatures),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> str:
    """Check a received webhook against ``secret`` and return its id (to process it once).

    ``headers`` are matched without regard to case, ``now`` is the receiver's Unix time in
    seconds. Raises ``InvalidSignature`` unless the timestamp lies within ``tolerance_s`` of
    ``now`` (either side: a clock ahead is as suspect as a replay) and one of the ``v1``
    signatures matches; signatures of other versions (``v1a``, asymmetric) are skipped.
    """
    key = secret_key(secret)
    lowered = {name.lower(): value for name, value in headers.items()}
    found = {name: lowered.get(name, "").strip() for name in _HEADERS}
    if missing := [name for name, value in found.items() if not value]:
        raise InvalidSignature(f"missing header(s): {', '.join(missing)}")
    msg_id, stamp, signatures = found.values()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise InvalidSignature(f"{TIMESTAMP_HEADER} is not Unix seconds: {stamp[:40]!r}")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance_s:
        when = "in the past" if timestamp < now else "in the future"
        raise InvalidSignature(
            f"timestamp {timestamp} is {abs(now - timestamp)} s {when} (tolerance {tolerance_s} s)"
        )
    expected = _digest(key, msg_id, timestamp, body)
    for candidate in signatures.split():
        version, _, encoded = candidate.partition(",")
        if version != _VERSION:
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        # Constant time, so response timings cannot reveal how much of a forgery was right.
        if hmac.compare_digest(expected, given):
            return msg_id
    raise InvalidSignature("no v1 signature matches the body under this secret")


# -- retries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with "equal" jitter for failed deliveries.

    The n-th retry (n = 1, 2, ...) waits between half and all of
    ``min(max_delay_s, base_delay_s * factor ** (n - 1))``. The defaults grow by 4 from 5 s and
    stop at a day: 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h, 22.8 h, 24 h, so ten
    attempts span up to about two and a quarter days, like the spec's example schedule (a
    subscriber down over a weekend night still gets its events). Doubling would need some
    twenty attempts to span as long.

    Equal rather than full jitter: full jitter can draw a wait near zero, hitting a subscriber
    that has just failed again at once; half the nominal wait is always kept, and the random
    half still spreads out the retries of many events that failed together.
    """

    base_delay_s: float = 5.0
    factor: float = 4.0
    max_delay_s: float = 86_400.0
    max_attempts: int = 10  # the first attempt included

    def __post_init__(self) -> None:
        if not 0 < self.base_delay_s <= self.max_delay_s:
            raise InvalidValue("base_delay_s", "must be positive and at most max_delay_s")
        if self.factor < 1:
            raise InvalidValue("factor", f"must be at least 1, got {self.factor}")
        if self.max_attempts < 1:
            raise InvalidValue("max_attempts", f"must be at least 1, got {self.max_attempts}")


DEFAULT_RETRY = RetryPolicy()


def next_attempt_delay(
    attempt: int, rng_value: float, policy: RetryPolicy = DEFAULT_RETRY
) -> float | None:
    """Seconds to wait after failed attempt number ``attempt`` (the first is 1) before the
    next, with ``rng_value`` a uniform random number in [0, 1); None when no attempt is left.
    """
    if attempt < 1:
        raise InvalidValue("attempt", f"attempts count from 1, got {attempt}")
    if not 0.0 <= rng_value <= 1.0:
        raise InvalidValue("rng_value", f"must be in [0, 1], got {rng_value}")
    if attempt >= policy.max_attempts:
        return None
    nominal = policy.base_delay_s
    for _ in range(attempt - 1):  # step by step, so a long schedule never overflows a power
        nominal = min(policy.max_delay_s, nominal * policy.factor)
    return nominal / 2 + rng_value * nominal / 2


def retry_delays(
    rng: Callable[[], float], policy: RetryPolicy = DEFAULT_RETRY
) -> tuple[float, ...]:
    """The whole schedule: the wait before each retry, one draw of ``rng`` (e.g.
    ``random.Random(seed).random``) per retry; ``max_attempts - 1`` waits."""
    return tuple(
        delay
        for attempt in range(1, policy.max_attempts)
        if (delay := next_attempt_delay(attempt, rng(), policy)) is not None
    )
