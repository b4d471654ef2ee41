"""Proof images on disk, stored once by the SHA-256 of their bytes and never rewritten.

A file is written to a temporary name in its final folder, flushed to disk, then renamed into
place (atomic on POSIX) and the folder flushed too, so an upload that was acknowledged
survives a crash and a half-written file never takes the real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from doorstep.domain.errors import InvalidValue
from doorstep.domain.proofs import ProofFile, check_file


class FileProofStore:
    """Files under ``root``: ``<organisation>/ab/abcdef...`` by hash, the media type beside
    each; one folder per organisation, so a hash never reaches another tenant's file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, organisation_id: str, data: bytes, media_type: str) -> ProofFile:
        check_file(media_type, data)
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(organisation_id, digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_durably(path.with_suffix(".type"), media_type.encode())
            _write_durably(path, data)
        return ProofFile(digest, media_type, len(data))

    def exists(self, organisation_id: str, sha256: str) -> bool:
        return self._path(organisation_id, sha256).exists()

    def get(self, organisation_id: str, sha256: str) -> tuple[bytes, str] | None:
        path = self._path(organisation_id, sha256)
        if not path.exists():
            return None
        return path.read_bytes(), path.with_suffix(".type").read_text()

    def _path(self, organisation_id: str, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not re.fullmatch(
            r"[\w-]+", organisation_id
        ):
            raise InvalidValue("sha256", "must be the 64 hex characters the upload returned")
        return self.root / organisation_id / sha256[:2] / sha256


def _write_durably(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
