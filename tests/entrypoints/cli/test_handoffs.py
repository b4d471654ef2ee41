"""`doorstep handoff ORDER --carrier CODE` against the fake partner on loopback."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.services import accounts
from doorstep.services.authorization import system_principal
from doorstep.services.carriers import SAMPLE_CARRIERS, handoff
from tests.entrypoints.cli.runner import Cli, connect_partner, one_line_error
from tests.support.partner import LABEL, partner_server

ORDERS = """reference,name,address,postcode,lat,lon,weight,volume,date,station
S-1,Sointu,Mannerheimintie 1,00100,60.1686,24.9414,2,10,2099-11-24,HEL1
"""


def test_an_order_is_handed_off_and_its_label_written(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS))
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    cli.ok("orders", "import", str(path))
    with partner_server() as partner:
        connect_partner(cli, "kaupunkikuriiri", partner.url)
        label = tmp_path / "label.pdf"
        shown = cli.ok(
            "handoff", "S-1", "--carrier", "kaupunkikuriiri", "--service-level", "same_day",
            "--label", str(label),
        ).stdout  # fmt: skip
        assert "Handed off to kaupunkikuriiri" in shown
        assert "PX00000001FI" in shown
        assert label.read_bytes() == LABEL
        assert len(partner.state.bookings()) == 1
        again = cli("handoff", "S-1", "--carrier", "kaupunkikuriiri", "--service-level", "same_day")
        assert again.exit_code == 1
        assert "handed off already" in one_line_error(again)
    container = cli.container()
    try:
        (org,) = accounts.list_organisations(uow=container.reader())
        (made,) = handoff.list_handoffs(system_principal(org.id), uow=container.reader())
        shown_order = json.loads(cli.ok("orders", "show", made.order_id, "--json").stdout)
    finally:
        container.close()
    assert shown_order["status"] == "handed_off"
