"""Carriers and rate cards imported per organisation: idempotent, replaced when changed, each
mistake of the carrier file named by row and column; listing, lookup, deactivation, rights."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from doorstep.adapters.spreadsheets import read_table
from doorstep.domain.accounts import Role
from doorstep.domain.carriers import CarrierKind, Coverage, ServiceLevel
from doorstep.domain.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from doorstep.services.authorization import ActorKind, Principal
from doorstep.services.carriers import SAMPLE_CARRIERS, SAMPLE_RATE_CARDS, registry
from doorstep.services.carriers.carrier_file import CarrierFileInvalid, read_carriers
from doorstep.services.carriers.rate_card_file import RateCardFileInvalid
from tests.services.conftest import Ports

Rows = list[tuple[int, dict[str, object]]]


def rows_of(path: Path) -> Rows:
    """A file as the CLI reads it: through the spreadsheet adapter."""
    with read_table(path) as table:
        return [(n, dict(zip(table.header, cells, strict=False))) for n, cells in table.rows]


def import_samples(ports: Ports, principal: Principal) -> registry.ImportReport:
    return registry.import_files(
        principal,
        rows_of(SAMPLE_CARRIERS),
        rows_of(SAMPLE_RATE_CARDS),
        uow=ports.uow,
        clock=ports.clock,
        ids=ports.ids,
    )


def test_the_samples_import_and_the_same_files_again_change_nothing(
    ports: Ports, admin: Principal, rival: Principal
) -> None:
    first = import_samples(ports, admin)
    assert first.added == ["omat_autot", "kaupunkikuriiri", "pakettiexpress"]
    assert first.cards_added == ["kaupunkikuriiri same_day", "pakettiexpress next_day"]
    stored = ports.uow.tables.carriers.copy(), ports.uow.tables.rate_cards.copy()
    again = import_samples(ports, admin)
    assert (again.added, again.changed, again.cards_added, again.cards_changed) == ([], [], [], [])
    assert again.unchanged == first.added
    assert again.cards_unchanged == first.cards_added
    assert (ports.uow.tables.carriers, ports.uow.tables.rate_cards) == stored
    listed = registry.list_carriers(admin, uow=ports.uow)
    assert [c.code for c in listed] == ["kaupunkikuriiri", "omat_autot", "pakettiexpress"]
    own = registry.get_carrier(admin, "omat_autot", uow=ports.uow)
    assert own.kind is CarrierKind.OWN_FLEET
    assert own.handles == frozenset({"refrigerated", "lift_gate", "age_check"})
    courier = registry.get_carrier(admin, "kaupunkikuriiri", uow=ports.uow)
    assert courier.coverage.polygons[0][0] == (60.13, 24.78)
    assert (courier.cutoff, courier.deliver_by, courier.capacity_per_day) == (
        time(14),
        time(21),
        40,
    )
    assert registry.list_carriers(rival, uow=ports.uow) == []  # tenants see only their own
    with pytest.raises(NotFound):
        registry.get_carrier(rival, own.id, uow=ports.uow)


def test_a_changed_card_or_carrier_replaces_the_old_one_keeping_its_id(
    ports: Ports, admin: Principal
) -> None:
    import_samples(ports, admin)
    before = registry.get_carrier(admin, "pakettiexpress", uow=ports.uow)
    carriers = rows_of(SAMPLE_CARRIERS)
    carriers[2][1]["capacity_per_day"] = "250"
    cards = [
        (n, {**cells, "price": "7,10"} if cells.get("row") == "minimum" else cells)
        for n, cells in rows_of(SAMPLE_RATE_CARDS)
    ]
    report = registry.import_files(
        admin, carriers, cards, uow=ports.uow, clock=ports.clock, ids=ports.ids
    )
    assert report.changed == ["pakettiexpress"]
    assert report.cards_changed == ["kaupunkikuriiri same_day", "pakettiexpress next_day"]
    after = registry.get_carrier(admin, "pakettiexpress", uow=ports.uow)
    assert (after.id, after.created_at, after.capacity_per_day) == (
        before.id,
        before.created_at,
        250,
    )
    _, stored = registry.rate_cards_of(admin, "pakettiexpress", uow=ports.uow)
    assert [card.minimum_cents for card in stored] == [710]
    assert len(ports.uow.tables.rate_cards) == 2  # replaced, not added


def test_a_bad_carrier_file_names_each_row_and_column_and_loads_nothing(
    ports: Ports, admin: Principal
) -> None:
    rows: Rows = [
        (2, {"code": "Bad Code", "name": "X", "kind": "partner", "service_levels": "next_day",
             "postcodes": "00", "cutoff": "18:00", "deliver_by": "17:00"}),
        (3, {"code": "ok", "name": "Ok", "kind": "truck", "service_levels": "someday",
             "postcodes": "", "capacity_per_day": "lots"}),
        (4, {"code": "nodates", "name": "N", "kind": "partner", "service_levels": "same_day",
             "polygon": "60.1 24.9 | 60.2 24.9"}),
    ]  # fmt: skip
    with pytest.raises(CarrierFileInvalid) as raised:
        registry.import_files(admin, rows, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    where = [(p.row, p.column) for p in raised.value.problems]
    assert where == [
        (2, "code"),
        (3, "kind"),
        (3, "service_levels"),
        (3, "postcodes"),
        (3, "capacity_per_day"),
        (4, "polygon"),
        (4, "cutoff"),
        (4, "deliver_by"),
    ]
    assert "row 3, column capacity_per_day: 'lots' is not a count" in str(raised.value)
    assert ports.uow.tables.carriers == {}


def test_cards_need_a_partner_of_the_organisation(ports: Ports, admin: Principal) -> None:
    with pytest.raises(InvalidValue, match="names no carrier of yours"):
        registry.import_files(
            admin, None, rows_of(SAMPLE_RATE_CARDS), uow=ports.uow, clock=ports.clock, ids=ports.ids
        )
    bad = [
        (n, {**c, "price": "x"} if c.get("row") == "minimum" else c)
        for n, c in rows_of(SAMPLE_RATE_CARDS)
    ]
    with pytest.raises(RateCardFileInvalid, match="column price"):
        registry.import_files(admin, None, bad, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    own_card = [
        (n, {**c, "carrier": "omat_autot"}) for n, c in rows_of(SAMPLE_RATE_CARDS)
        if c.get("carrier") == "pakettiexpress"
    ]  # fmt: skip
    with pytest.raises(InvalidValue, match="own fleet"):
        registry.import_files(
            admin, rows_of(SAMPLE_CARRIERS), own_card, uow=ports.uow, clock=ports.clock,
            ids=ports.ids,
        )  # fmt: skip
    assert ports.uow.tables.carriers == {}, "one transaction: the carriers were not kept"


def test_add_deactivate_and_rights(ports: Ports, admin: Principal) -> None:
    fields = {
        "code": "lahetti",
        "name": "Lähetti",
        "kind": CarrierKind.PARTNER,
        "service_levels": frozenset({ServiceLevel.SAME_DAY}),
        "coverage": Coverage(frozenset({"00"})),
    }
    with pytest.raises(InvalidValue, match="cutoff"):
        registry.add_carrier(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    fields |= {"cutoff": time(12), "deliver_by": time(18)}
    added = registry.add_carrier(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    with pytest.raises(Conflict, match="exists already"):
        registry.add_carrier(admin, fields, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    gone = registry.deactivate_carrier(admin, "lahetti", uow=ports.uow)
    assert (gone.id, gone.active) == (added.id, False)
    viewer = Principal(admin.organisation_id, "usr_v", ActorKind.USER, frozenset({Role.VIEWER}))
    assert [c.code for c in registry.list_carriers(viewer, uow=ports.uow)] == ["lahetti"]
    with pytest.raises(PermissionDenied, match="network:write"):
        registry.deactivate_carrier(viewer, "lahetti", uow=ports.uow)
    driver = Principal(admin.organisation_id, "usr_d", ActorKind.USER, frozenset({Role.DRIVER}))
    with pytest.raises(PermissionDenied, match="network:read"):
        registry.list_carriers(driver, uow=ports.uow)


def test_the_sample_carriers_read_as_documented() -> None:
    drafts = {d.code: d for d in read_carriers(rows_of(SAMPLE_CARRIERS))}
    assert drafts["pakettiexpress"].service_levels == frozenset({ServiceLevel.NEXT_DAY})
    assert drafts["pakettiexpress"].coverage.postcode_prefixes == frozenset({"00"})
    assert drafts["kaupunkikuriiri"].max_side_cm == 100
    assert (
        "refrigerated" not in drafts["kaupunkikuriiri"].handles | drafts["pakettiexpress"].handles
    )
