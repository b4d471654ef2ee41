"""An organisation's carriers and rate cards: imported from files, listed, deactivated.

Importing is idempotent: a carrier is matched by its code and a card by (carrier, service
level); what is equal to what is stored is left alone, what differs replaces it (a carrier
keeps its id and creation time), and what is new is added. Carriers and cards the files do
not mention stay as they are: deactivate a carrier to stop offering it. Both files are read
in full before anything is stored, and stored in one transaction, so a bad row loads nothing.

Rate cards belong to partners (the own fleet is priced by the planner) named by their code
in the carrier file of the same import or already stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from doorstep.domain.carriers import Carrier, CarrierKind, ServiceLevel
from doorstep.domain.errors import Conflict, InvalidValue, NotFound
from doorstep.domain.permissions import Permission
from doorstep.domain.rates import RateCard
from doorstep.services.authorization import Principal, require
from doorstep.services.carriers.carrier_file import CarrierDraft, read_carriers
from doorstep.services.carriers.rate_card_file import read_rate_cards
from doorstep.services.ports import Clock, IdGenerator, UnitOfWork

Rows = Iterable[tuple[int, Mapping[str, object]]]


@dataclass
class ImportReport:
    """What an import did, by carrier code (cards as "code level")."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    cards_added: list[str] = field(default_factory=list)
    cards_changed: list[str] = field(default_factory=list)
    cards_unchanged: list[str] = field(default_factory=list)


def import_files(
    principal: Principal,
    carrier_rows: Rows | None,
    rate_rows: Rows | None = None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> ImportReport:
    """Import a carrier file and/or a rate card file (rows as the spreadsheet adapter reads
    them); raises ``CarrierFileInvalid`` or ``RateCardFileInvalid`` naming every mistake."""
    require(principal, Permission.NETWORK_WRITE)
    if carrier_rows is None and rate_rows is None:
        raise InvalidValue("files", "give a carrier file, a rate card file or both")
    drafts = read_carriers(carrier_rows) if carrier_rows is not None else []
    cards = read_rate_cards(rate_rows) if rate_rows is not None else {}
    org = principal.organisation_id
    report = ImportReport()
    now = clock.now()
    with uow:
        for draft in drafts:
            existing = uow.carriers.get_by_code(org, draft.code)
            if existing is None:
                carrier = _carrier(draft, ids.new_id("car"), org, now)
                uow.carriers.add(carrier)
                report.added.append(carrier.code)
                continue
            carrier = _carrier(draft, existing.id, org, existing.created_at)
            if carrier == existing:
                report.unchanged.append(carrier.code)
            else:
                uow.carriers.update(carrier)
                report.changed.append(carrier.code)
        if cards:
            stored = uow.rate_cards.list(org)
            for (code, level), card in sorted(cards.items()):
                owner = _owner_of(uow, org, code, level)
                label = f"{code} {level.value}"
                before = stored.get((owner.id, level))
                if before == card:
                    report.cards_unchanged.append(label)
                    continue
                uow.rate_cards.put(org, owner.id, card, now)
                (report.cards_added if before is None else report.cards_changed).append(label)
        uow.commit()
    return report


def _owner_of(uow: UnitOfWork, org: str, code: str, level: ServiceLevel) -> Carrier:
    owner = uow.carriers.get_by_code(org, code)
    if owner is None:
        raise InvalidValue(
            "rate_cards",
            f"the rate card of {code} {level.value} names no carrier of yours; add {code} to "
            "the carrier file (or import that first)",
        )
    if owner.kind is CarrierKind.OWN_FLEET:
        raise InvalidValue(
            "rate_cards",
            f"{code} is the own fleet, priced by the planner's marginal cost; rate cards are "
            "for partners",
        )
    return owner


def _carrier(draft: CarrierDraft, carrier_id: str, org: str, created_at: Any) -> Carrier:
    carrier = Carrier(
        id=carrier_id,
        organisation_id=org,
        code=draft.code,
        name=draft.name,
        kind=draft.kind,
        service_levels=draft.service_levels,
        coverage=draft.coverage,
        created_at=created_at,
        capacity_per_day=draft.capacity_per_day,
        max_weight_kg=draft.max_weight_kg,
        max_side_cm=draft.max_side_cm,
        handles=draft.handles,
        proofs=draft.proofs,
        active=draft.active,
        cutoff=draft.cutoff,
        deliver_by=draft.deliver_by,
    )
    check_promises(carrier)
    return carrier


def check_promises(carrier: Carrier) -> None:
    """Each service level the carrier offers has its promise times (InvalidValue if not)."""
    for level in sorted(carrier.service_levels):
        carrier.promise(level)


def add_carrier(
    principal: Principal,
    fields: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> Carrier:
    """Register one carrier from domain-typed ``fields``; its code must be free."""
    require(principal, Permission.NETWORK_WRITE)
    carrier = Carrier(
        id=ids.new_id("car"),
        organisation_id=principal.organisation_id,
        created_at=clock.now(),
        **fields,
    )
    check_promises(carrier)
    with uow:
        if uow.carriers.get_by_code(principal.organisation_id, carrier.code) is not None:
            raise Conflict(f"a carrier with code {carrier.code!r} exists already", field="code")
        uow.carriers.add(carrier)
        uow.commit()
    return carrier


def list_carriers(principal: Principal, *, uow: UnitOfWork) -> Sequence[Carrier]:
    require(principal, Permission.NETWORK_READ)
    with uow:
        return uow.carriers.list(principal.organisation_id)


def get_carrier(principal: Principal, reference: str, *, uow: UnitOfWork) -> Carrier:
    """A carrier by id or by code."""
    require(principal, Permission.NETWORK_READ)
    with uow:
        return find_carrier(uow, principal.organisation_id, reference)


def rate_cards_of(
    principal: Principal, reference: str, *, uow: UnitOfWork
) -> tuple[Carrier, list[RateCard]]:
    """A carrier and its rate cards, by service level."""
    require(principal, Permission.NETWORK_READ)
    with uow:
        carrier = find_carrier(uow, principal.organisation_id, reference)
        cards = uow.rate_cards.list(principal.organisation_id)
    return carrier, [cards[key] for key in sorted(cards) if key[0] == carrier.id]


def all_rate_cards(principal: Principal, *, uow: UnitOfWork) -> dict[str, list[RateCard]]:
    """Every carrier's rate cards, by carrier id."""
    require(principal, Permission.NETWORK_READ)
    with uow:
        cards = uow.rate_cards.list(principal.organisation_id)
    found: dict[str, list[RateCard]] = {}
    for (carrier_id, _), card in sorted(cards.items()):
        found.setdefault(carrier_id, []).append(card)
    return found


def deactivate_carrier(principal: Principal, reference: str, *, uow: UnitOfWork) -> Carrier:
    """Stop offering the carrier; kept (with its cards) for the orders it already has."""
    require(principal, Permission.NETWORK_WRITE)
    with uow:
        carrier = replace(find_carrier(uow, principal.organisation_id, reference), active=False)
        uow.carriers.update(carrier)
        uow.commit()
    return carrier


def find_carrier(uow: UnitOfWork, organisation_id: str, reference: str) -> Carrier:
    found = uow.carriers.get(organisation_id, reference) or uow.carriers.get_by_code(
        organisation_id, reference.strip().lower()
    )
    if found is None:
        raise NotFound("carrier", reference, "give the carrier's code or id")
    return found
