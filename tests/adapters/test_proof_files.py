"""Proof images on disk: by hash, once, per organisation, never half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from doorstep.adapters.proof_files import FileProofStore
from doorstep.domain.errors import InvalidValue

PNG = b"\x89PNG\r\n\x1a\n" + b"strokes"


def test_a_file_is_stored_once_by_its_hash_and_read_back(tmp_path: Path) -> None:
    store = FileProofStore(tmp_path)
    first = store.put("org_a", PNG, "image/png")
    assert first.sha256 == hashlib.sha256(PNG).hexdigest()
    assert store.put("org_a", PNG, "image/png") == first
    assert store.get("org_a", first.sha256) == (PNG, "image/png")
    assert store.exists("org_a", first.sha256)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == [first.sha256, f"{first.sha256}.type"]


def test_another_organisation_does_not_see_the_file(tmp_path: Path) -> None:
    store = FileProofStore(tmp_path)
    stored = store.put("org_a", PNG, "image/png")
    assert not store.exists("org_b", stored.sha256)
    assert store.get("org_b", stored.sha256) is None


def test_paths_take_nothing_but_a_hash_and_an_id(tmp_path: Path) -> None:
    store = FileProofStore(tmp_path)
    with pytest.raises(InvalidValue):
        store.get("org_a", "../../etc/passwd")
    with pytest.raises(InvalidValue):
        store.put("../org", PNG, "image/png")


def test_a_failed_write_leaves_no_file_under_the_real_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes go to a temporary name first: a crash before the rename leaves no proof."""
    store = FileProofStore(tmp_path)

    def crash(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr("doorstep.adapters.proof_files.os.fsync", crash)
    with pytest.raises(OSError, match="disk gone"):
        store.put("org_a", PNG, "image/png")
    digest = hashlib.sha256(PNG).hexdigest()
    assert not store.exists("org_a", digest)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".upload")]
