"""Proof of delivery: what the driver captured, and whether it is what the order asks for.

Images (a signature drawn on the screen, a photo) are stored once by the SHA-256 of their
bytes; a delivery scan refers to them by that hash, so a retried upload or scan never stores
a second copy and the proof cannot change after the fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doorstep.domain.checks import text
from doorstep.domain.errors import InvalidValue
from doorstep.domain.orders import ProofKind, ProofRequirement

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
MAX_FILE_BYTES = 5 * 2**20


@dataclass(frozen=True)
class ProofFile:
    sha256: str
    media_type: str
    size_bytes: int


@dataclass(frozen=True)
class Proof:
    """What a delivery scan carries; hashes name files uploaded before the scan."""

    recipient_name: str = ""
    signature_sha256: str = ""
    photo_sha256: str = ""
    pin: str = ""  # as the recipient gave it
    age_verified: bool = False  # the driver saw an ID showing the minimum age
    safe_place: str = ""  # left there, with a photo
    neighbour: str = ""  # handed to them, with a photo

    def __post_init__(self) -> None:
        for name in ("signature_sha256", "photo_sha256"):
            value = getattr(self, name)
            if value and not _SHA256.match(value):
                raise InvalidValue(
                    f"proof.{name}", "must be the 64 hex characters the file upload returned"
                )
        text("proof.recipient_name", self.recipient_name, max_length=200, required=False)
        text("proof.safe_place", self.safe_place, max_length=300, required=False)
        text("proof.neighbour", self.neighbour, max_length=200, required=False)
        if self.pin and not re.fullmatch(r"[0-9]{4,8}", self.pin):
            raise InvalidValue("proof.pin", "must be the 4-8 digits the recipient gave")

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(h for h in (self.signature_sha256, self.photo_sha256) if h)


def missing(requirement: ProofRequirement, proof: Proof | None) -> str | None:
    """What the delivery still lacks for ``requirement``, or None when the proof suffices."""
    given = proof or Proof()
    if (given.safe_place or given.neighbour) and not given.photo_sha256:
        return "proof.photo_sha256: a parcel left in a safe place or with a neighbour needs a photo"
    if (given.safe_place or given.neighbour) and requirement.kind in _IN_PERSON:
        return f"proof: a {requirement.kind.value} delivery must be handed to the recipient"
    kind = requirement.kind
    if kind is ProofKind.SIGNATURE and not (given.signature_sha256 and given.recipient_name):
        return "proof: this order needs the recipient's signature and name"
    if kind is ProofKind.PHOTO and not given.photo_sha256:
        return "proof.photo_sha256: this order needs a photo of the delivered parcel"
    if kind is ProofKind.PIN and not given.pin:
        return "proof.pin: this order needs the PIN the recipient was sent"
    if kind is ProofKind.MINIMUM_AGE and not (given.age_verified and given.recipient_name):
        years = requirement.minimum_age_years
        return f"proof: this order needs an ID check (age {years} or over) and the recipient's name"
    return None


_IN_PERSON = frozenset({ProofKind.SIGNATURE, ProofKind.PIN, ProofKind.MINIMUM_AGE})


# How each kind of image begins, so a file is what it says it is.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}


def check_file(media_type: str, data: bytes) -> None:
    if media_type not in MEDIA_TYPES:
        raise InvalidValue(
            "Content-Type", f"must be one of {', '.join(sorted(MEDIA_TYPES))}, got {media_type!r}"
        )
    if not 0 < len(data) <= MAX_FILE_BYTES:
        raise InvalidValue("body", f"must be 1 byte to {MAX_FILE_BYTES // 2**20} MiB of image")
    webp = media_type != "image/webp" or data[8:12] == b"WEBP"
    if not data.startswith(_MAGIC[media_type]) or not webp:
        raise InvalidValue("body", f"is not a {media_type} image (its first bytes do not match)")
