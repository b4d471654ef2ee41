"""Standard Webhooks signatures and the retry schedule of failed deliveries."""

from __future__ import annotations

import random

import pytest

from doorstep.domain.errors import AuthenticationFailed, InvalidValue
from doorstep.domain.webhooks import (
    DEFAULT_RETRY,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidSignature,
    RetryPolicy,
    new_secret,
    next_attempt_delay,
    retry_delays,
    secret_key,
    sign,
    signed_headers,
    verify,
)

# The test vector of the Standard Webhooks reference libraries (libraries/python/tests).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

OTHER_SECRET = new_secret(bytes(range(32)))


def headers(
    msg_id: str = MSG_ID, timestamp: int = TIMESTAMP, signature: str = SIGNATURE
) -> dict[str, str]:
    return {ID_HEADER: msg_id, TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature}


def test_sign_gives_the_spec_test_vector() -> None:
    """Signing the reference libraries' message gives their published signature."""
    assert sign(SECRET, MSG_ID, TIMESTAMP, BODY) == SIGNATURE


def test_verify_accepts_the_spec_test_vector_and_returns_the_id() -> None:
    """The published signature verifies at its own timestamp, and the id comes back."""
    assert verify(SECRET, headers(), BODY, now=TIMESTAMP) == MSG_ID


def test_header_names_are_matched_without_case() -> None:
    """HTTP header names are case-insensitive, so are the ones verify reads."""
    shouted = {name.upper(): value for name, value in headers().items()}
    assert verify(SECRET, shouted, BODY, now=TIMESTAMP) == MSG_ID


@pytest.mark.parametrize(
    ("body", "given"),
    [
        (b'{"test": 2432232315}', headers()),
        (BODY + b" ", headers()),
        (BODY, headers(msg_id="msg_p5jXN8AQM9LWM0D4loKWxJeK")),
        (BODY, headers(timestamp=TIMESTAMP + 1)),
        (BODY, headers(signature="v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=")),
    ],
    ids=["body", "trailing-space", "id", "timestamp", "signature"],
)
def test_any_tampering_fails(body: bytes, given: dict[str, str]) -> None:
    """Changing the body, the id, the timestamp or the signature by one character fails."""
    with pytest.raises(InvalidSignature, match="no v1 signature matches"):
        verify(SECRET, given, body, now=TIMESTAMP)


def test_another_secret_fails() -> None:
    """A signature made under another secret does not verify."""
    with pytest.raises(InvalidSignature):
        verify(OTHER_SECRET, headers(), BODY, now=TIMESTAMP)


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_timestamps_outside_the_tolerance_fail(offset: int) -> None:
    """A timestamp more than 5 minutes old (a replay) or ahead of the clock is refused."""
    with pytest.raises(InvalidSignature, match="tolerance 300 s"):
        verify(SECRET, headers(), BODY, now=TIMESTAMP - offset)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamps_within_the_tolerance_pass(offset: int) -> None:
    """Up to and including 5 minutes either way is accepted."""
    assert verify(SECRET, headers(), BODY, now=TIMESTAMP + offset) == MSG_ID


def test_the_tolerance_can_be_narrowed() -> None:
    """A receiver may ask for a tighter window than the default."""
    with pytest.raises(InvalidSignature):
        verify(SECRET, headers(), BODY, now=TIMESTAMP + 11, tolerance_s=10)


def test_any_one_of_several_signatures_suffices() -> None:
    """Among garbage, other versions and a wrong v1, one valid v1 signature passes."""
    wrong = sign(OTHER_SECRET, MSG_ID, TIMESTAMP, BODY)
    listed = f"v1,notbase64!! v1a,{SIGNATURE[3:]} v2,{SIGNATURE[3:]} {wrong} {SIGNATURE} x"
    assert verify(SECRET, headers(signature=listed), BODY, now=TIMESTAMP) == MSG_ID


def test_a_matching_digest_of_another_version_is_not_accepted() -> None:
    """Only ``v1`` signatures count: the right digest labelled ``v1a`` is refused."""
    with pytest.raises(InvalidSignature):
        verify(SECRET, headers(signature="v1a," + SIGNATURE[3:]), BODY, now=TIMESTAMP)


def test_signed_headers_carry_old_secrets_during_a_rotation() -> None:
    """Signed with the new and the old secret, a webhook verifies under either of them."""
    made = signed_headers(OTHER_SECRET, MSG_ID, TIMESTAMP, BODY, previous_secrets=[SECRET])
    assert made[ID_HEADER] == MSG_ID
    assert made[TIMESTAMP_HEADER] == str(TIMESTAMP)
    assert made[SIGNATURE_HEADER].split(" ")[1] == SIGNATURE
    for secret in (SECRET, OTHER_SECRET):
        assert verify(secret, made, BODY, now=TIMESTAMP) == MSG_ID


@pytest.mark.parametrize("missing", [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER])
@pytest.mark.parametrize("blank", [None, " "])
def test_a_missing_header_is_named(missing: str, blank: str | None) -> None:
    """Without any one of the three headers, or with it blank, verification fails, naming
    the header."""
    given = headers()
    if blank is None:
        del given[missing]
    else:
        given[missing] = blank
    with pytest.raises(InvalidSignature, match=f"missing header\\(s\\): {missing}$"):
        verify(SECRET, given, BODY, now=TIMESTAMP)


@pytest.mark.parametrize("stamp", ["hello", "-1614265330", "1614265330.5", "9" * 5000])
def test_a_timestamp_that_is_not_unix_seconds_fails(stamp: str) -> None:
    """The timestamp must be plain decimal seconds."""
    given = {**headers(), TIMESTAMP_HEADER: stamp}
    with pytest.raises(InvalidSignature, match="not Unix seconds"):
        verify(SECRET, given, BODY, now=TIMESTAMP)


def test_a_rejection_is_an_authentication_failure() -> None:
    """Shells answer a bad signature like other failed authentication (401)."""
    assert issubclass(InvalidSignature, AuthenticationFailed)


def test_new_secret_round_trips_its_key() -> None:
    """A new secret is ``whsec_`` + base64 and gives back the exact key bytes."""
    key = bytes(range(100, 132))
    made = new_secret(key)
    assert made.startswith("whsec_")
    assert secret_key(made) == key


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", "followed by base64"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "followed by base64"),
        ("whsec_" + "A" * 28, "24 to 64 bytes, got 21"),
        ("whsec_", "got 0"),
    ],
)
def test_malformed_secrets_are_invalid_values(secret: str, message: str) -> None:
    """A secret without the prefix, with broken base64 or a key too short is refused."""
    with pytest.raises(InvalidValue, match=message):
        sign(secret, MSG_ID, TIMESTAMP, BODY)


@pytest.mark.parametrize("size", [23, 65])
def test_new_secret_refuses_keys_outside_the_spec_bounds(size: int) -> None:
    """Keys below 192 bits or above 512 bits are refused."""
    with pytest.raises(InvalidValue, match="24 to 64 bytes"):
        new_secret(bytes(size))


@pytest.mark.parametrize("msg_id", ["", "msg.1", "msg 1", "msg_ä"])
def test_ids_that_could_shift_the_signed_parts_are_refused(msg_id: str) -> None:
    """Ids are non-empty printable ASCII without a full stop (the spec's warning)."""
    with pytest.raises(InvalidValue, match="msg_id"):
        sign(SECRET, msg_id, TIMESTAMP, BODY)


# -- retries -------------------------------------------------------------------------------


def test_the_default_schedule_grows_to_its_cap() -> None:
    """With the top draw, the waits are 5 s times powers of 4, capped at a day."""
    assert retry_delays(lambda: 1.0) == (5, 20, 80, 320, 1280, 5120, 20480, 81920, 86400)


def test_delays_grow_and_stay_within_the_bounds_for_any_draws() -> None:
    """Whatever the draws, each wait lies in [nominal / 2, nominal] and never tops the cap."""
    nominal = retry_delays(lambda: 1.0)
    draws = random.Random(7)
    for _ in range(200):
        delays = retry_delays(draws.random)
        assert len(delays) == DEFAULT_RETRY.max_attempts - 1
        for delay, top in zip(delays, nominal, strict=True):
            assert top / 2 <= delay <= top <= DEFAULT_RETRY.max_delay_s
    assert list(nominal) == sorted(nominal)


def test_the_jitter_input_decides_where_in_the_range_a_delay_falls() -> None:
    """Draw 0 gives half the nominal wait, 0.5 three quarters, and different draws differ."""
    assert next_attempt_delay(3, 0.0) == 40.0
    assert next_attempt_delay(3, 0.5) == 60.0
    assert next_attempt_delay(3, 0.25) != next_attempt_delay(3, 0.75)


def test_no_delay_once_the_attempts_are_used_up() -> None:
    """After the last allowed attempt there is nothing to wait for."""
    policy = RetryPolicy(max_attempts=4)
    assert next_attempt_delay(3, 0.5, policy) is not None
    assert next_attempt_delay(4, 0.5, policy) is None
    assert len(retry_delays(lambda: 0.5, policy)) == 3


def test_a_long_schedule_stays_at_the_cap() -> None:
    """Hundreds of attempts with a steep factor stay at the cap instead of overflowing."""
    policy = RetryPolicy(base_delay_s=1, factor=1e300, max_delay_s=60, max_attempts=500)
    assert next_attempt_delay(499, 1.0, policy) == 60


@pytest.mark.parametrize(("attempt", "draw"), [(0, 0.5), (1, -0.1), (1, 1.5)])
def test_out_of_range_inputs_are_refused(attempt: int, draw: float) -> None:
    """Attempts count from 1 and the draw is a number in [0, 1]."""
    with pytest.raises(InvalidValue):
        next_attempt_delay(attempt, draw)
