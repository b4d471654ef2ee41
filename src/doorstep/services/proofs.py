"""Proof-of-delivery files: uploaded before the delivery scan that names them by hash."""

from __future__ import annotations

from doorstep.domain.errors import NotFound
from doorstep.domain.permissions import Permission
from doorstep.domain.proofs import ProofFile
from doorstep.services.authorization import Principal, require
from doorstep.services.ports import ProofStore


def upload(principal: Principal, data: bytes, media_type: str, *, store: ProofStore) -> ProofFile:
    """Store an image durably; the same bytes again give the same file (a retry is harmless)."""
    require(principal, Permission.SCANS_WRITE)
    return store.put(principal.organisation_id, data, media_type)


def download(principal: Principal, sha256: str, *, store: ProofStore) -> tuple[bytes, str]:
    require(principal, Permission.ORDERS_READ)
    found = store.get(principal.organisation_id, sha256)
    if found is None:
        raise NotFound("proof file", sha256)
    return found
