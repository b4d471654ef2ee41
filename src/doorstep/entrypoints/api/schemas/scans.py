"""Bodies for scan events: a batch in, a result per event out, and the stored events listed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from doorstep.domain.order_status import OrderStatus
from doorstep.domain.proofs import Proof
from doorstep.domain.scans import FailReason, ScanKind
from doorstep.entrypoints.api.schemas.values import LocationIn, LocationOut
from doorstep.services.ports import ScanRecord
from doorstep.services.scans import MAX_BATCH, IncomingScan, IngestReport, Outcome, ScanResult


class ProofIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient_name: str = Field("", max_length=200)
    signature_sha256: str = Field("", description="hash returned by POST /proof-files")
    photo_sha256: str = Field("", description="hash returned by POST /proof-files")
    pin: str = Field("", description="the PIN the recipient gave")
    age_verified: bool = Field(False, description="an ID showed the order's minimum age")
    safe_place: str = Field("", max_length=300, description="where it was left (with a photo)")
    neighbour: str = Field("", max_length=200, description="who took it in (with a photo)")


CARRIER_KINDS = frozenset({ScanKind.HAND_OFF, ScanKind.HAND_OFF_CANCEL})


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=8,
        max_length=64,
        description="made on the device (a UUID); a retry sends it again",
    )
    kind: ScanKind
    barcode: str = Field(min_length=1, max_length=64)
    device_time: AwareDatetime = Field(description="when the device scanned, with its offset")
    device: str = Field("", max_length=100, description="the handheld or phone")
    position: LocationIn | None = None
    lane: str = Field("", max_length=40, description="sort scans: the lane or bag")
    vehicle_id: str = Field("", max_length=40, description="load scans: the vehicle")
    reason: FailReason | None = Field(None, description="failed attempts: why")
    note: str = Field("", max_length=1000)
    proof: ProofIn | None = Field(
        None, description="deliveries: the proof the order asks for; failed attempts: evidence"
    )

    @field_validator("kind")
    @classmethod
    def _not_a_carriers(cls, kind: ScanKind) -> ScanKind:
        # A hand-off's scans are written by doorstep itself (booking, cancel) and by partners'
        # signed webhooks; a device sending one would move an order no partner has.
        if kind in CARRIER_KINDS:
            raise ValueError(
                f"{kind.value} scans come from hand-offs (POST /orders/{{id}}:hand-off, "
                "/handoffs/{id}:cancel) and partners' webhooks, not from devices"
            )
        return kind

    def to_incoming(self) -> IncomingScan:
        position = self.position.to_domain() if self.position else None
        proof = Proof(**self.proof.model_dump()) if self.proof else None
        fields = self.model_dump(exclude={"position", "proof"})
        return IncomingScan(**fields, position=position, proof=proof)


class ScanBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[ScanIn] = Field(min_length=1, max_length=MAX_BATCH)


class ScanResultOut(BaseModel):
    id: str
    outcome: Outcome = Field(description="stored, duplicate (no change), conflict or rejected")
    message: str = Field(description="for a conflict or a rejected event: what to fix")
    problem: str | None = Field(description="why the scan does not apply to the parcel (yet)")
    parcel_status: OrderStatus | None

    @classmethod
    def of(cls, result: ScanResult) -> ScanResultOut:
        return cls(
            id=result.id,
            outcome=result.outcome,
            message=result.message,
            problem=result.problem,
            parcel_status=result.parcel_status,
        )


class ScanBatchOut(BaseModel):
    counts: dict[str, int]
    results: list[ScanResultOut]

    @classmethod
    def of(cls, report: IngestReport) -> ScanBatchOut:
        return cls(counts=report.counts, results=[ScanResultOut.of(r) for r in report.results])


class ScanOut(BaseModel):
    id: str
    kind: ScanKind
    barcode: str
    order_id: str | None
    device_time: datetime
    server_time: datetime
    actor_id: str
    device: str
    position: LocationOut | None
    lane: str
    vehicle_id: str
    reason: FailReason | None
    note: str
    proof: ProofIn | None
    problem: str | None

    @classmethod
    def of(cls, record: ScanRecord) -> ScanOut:
        e = record.event
        return cls(
            id=e.id,
            kind=e.kind,
            barcode=e.barcode,
            order_id=record.order_id,
            device_time=e.device_time,
            server_time=e.server_time,
            actor_id=e.actor_id,
            device=e.device,
            position=LocationOut.of(e.position),
            lane=e.lane,
            vehicle_id=e.vehicle_id,
            reason=e.reason,
            note=e.note,
            proof=ProofIn(**asdict(e.proof)) if e.proof else None,
            problem=record.problem,
        )


class ScanPageOut(BaseModel):
    items: list[ScanOut]
    next_cursor: str | None


class ProofFileOut(BaseModel):
    sha256: str
    media_type: str
    size_bytes: int
