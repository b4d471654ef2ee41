"""Idempotent requests: a retried POST with the same key gets the first answer, nothing twice."""

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
