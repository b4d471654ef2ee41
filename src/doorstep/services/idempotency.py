"""Idempotent requests: a retried POST with the same key gets the first answer, nothing twice.

``run_once`` holds one transaction around the whole work. Work that calls out to another
system (a partner carrier's API) must hold none while it waits, so ``run_staged`` checks the
key first and lets the work record its answer (``Answer.keep``) in the transaction that
commits its result; see there what then keeps a retry from doing the work twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from doorstep.domain.errors import Conflict, InvalidValue
from doorstep.services.authorization import Principal
from doorstep.services.ports import Clock, IdempotencyRecord, UnitOfWork

KEY_FIELD = "Idempotency-Key"


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: str
    replayed: bool


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the exact body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidValue(KEY_FIELD, "must be 1-255 printable characters, e.g. a UUID")


def run_once(
    principal: Principal,
    key: str,
    request_fingerprint: str,
    perform: Callable[[], tuple[int, str]],
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> Outcome:
    """Run ``perform`` (which renders status and body) at most once per organisation and key.

    The key is claimed in the same transaction as the work, so the object and the stored answer
    commit together or not at all. A concurrent request with the same key waits on the claim
    and then replays the winner's answer.
    """
    check_key(key)
    try:
        with uow:
            prior = uow.idempotency.get(principal.organisation_id, key)
            if prior is not None:
                return _replay(prior, request_fingerprint)
            record = IdempotencyRecord(
                principal.organisation_id, key, request_fingerprint, clock.now()
            )
            uow.idempotency.claim(record)
            status_code, body = perform()
            uow.idempotency.complete(replace(record, status_code=status_code, body=body))
            uow.commit()
            return Outcome(status_code, body, replayed=False)
    except Conflict:
        with uow:
            prior = uow.idempotency.get(principal.organisation_id, key)
        if prior is None:
            raise  # a genuine conflict of the work itself, not a race on the key
        return _replay(prior, request_fingerprint)


def _replay(record: IdempotencyRecord, request_fingerprint: str) -> Outcome:
    if record.fingerprint != request_fingerprint:
        raise InvalidValue(
            KEY_FIELD,
            "was already used for another request (other path or body); use a new key",
        )
    # Claimed and completed in one transaction, so a visible record always has its answer.
    assert record.status_code is not None
    assert record.body is not None
    return Outcome(record.status_code, record.body, replayed=True)


@dataclass
class Answer:
    """The answer a staged request keeps, in the transaction of its work (``run_staged``)."""

    principal: Principal
    key: str
    fingerprint: str
    clock: Clock
    kept: tuple[int, str] | None = None

    def keep(self, uow: UnitOfWork, status_code: int, body: str) -> None:
        """Claim the key with this answer, inside the caller's open transaction: the work and
        its answer commit together. Conflict (possibly on commit) when another request with
        the key claimed it first."""
        record = IdempotencyRecord(
            self.principal.organisation_id, self.key, self.fingerprint, self.clock.now()
        )
        uow.idempotency.claim(record)
        uow.idempotency.complete(replace(record, status_code=status_code, body=body))
        self.kept = (status_code, body)


def run_staged(
    principal: Principal,
    key: str,
    request_fingerprint: str,
    perform: Callable[[Answer], None],
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> Outcome:
    """Run ``perform`` at most once per organisation and key, holding no transaction for it.

    A key already answered replays that answer. Else ``perform`` runs its own transactions
    and calls ``answer.keep`` in the one that commits its result. Two requests with the same
    key at the same time may both run ``perform``, so the work must itself make its effect
    once (a hand-off's booking carries the partner's own idempotency key and is stored once
    per booking): the later one's ``keep`` fails on the claimed key, its transaction rolls
    back, and it replays the first one's answer.
    """
    check_key(key)
    org = principal.organisation_id
    with uow:
        prior = uow.idempotency.get(org, key)
    if prior is not None:
        return _replay(prior, request_fingerprint)
    answer = Answer(principal, key, request_fingerprint, clock)
    try:
        perform(answer)
    except Conflict:
        with uow:
            prior = uow.idempotency.get(org, key)
        if prior is None:
            raise  # a genuine conflict of the work itself, not a race on the key
        return _replay(prior, request_fingerprint)
    if answer.kept is None:
        raise AssertionError("the staged work committed without keeping its answer")
    return Outcome(*answer.kept, replayed=False)
