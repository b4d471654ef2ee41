"""`doorstep carriers connect CODE --url URL`: the key and the secret from files or the
environment, stored and used for the partner's API, and never printed."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.domain.webhooks import new_secret
from doorstep.services import accounts
from doorstep.services.carriers import SAMPLE_CARRIERS
from tests.entrypoints.cli.runner import Cli, one_line_error
from tests.support.partner import API_KEY, partner_server

SECRET = new_secret(b"w" * 32)
ORDERS = """reference,name,address,postcode,lat,lon,weight,volume,date,station
S-1,Sointu,Mannerheimintie 1,00100,60.1686,24.9414,2,10,2099-11-24,HEL1
"""
NO_ENV: dict[str, str | None] = {
    "DOORSTEP_CARRIER_API_KEY": None,
    "DOORSTEP_CARRIER_WEBHOOK_SECRET": None,
}


def stored(cli: Cli) -> tuple[str, str, str]:
    container = cli.container()
    try:
        (org,) = accounts.list_organisations(uow=container.uow())
        with container.reader() as uow:
            carrier = uow.carriers.get_by_code(org.id, "kaupunkikuriiri")
            assert carrier is not None
            found = uow.carrier_connections.get(org.id, carrier.id)
    finally:
        container.close()
    assert found is not None
    return found.base_url, found.api_key, found.webhook_secret


def test_a_connection_from_files_is_stored_used_and_its_secrets_never_shown(
    cli: Cli, station: str, tmp_path: Path
) -> None:
    cli.env["DOORSTEP_TRAVEL_PROVIDER"] = "haversine"
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS))
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    cli.ok("orders", "import", str(orders))
    key_file, secret_file = tmp_path / "partner.key", tmp_path / "partner.whsec"
    key_file.write_text(API_KEY + "\n", encoding="utf-8")  # as `echo` writes it
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    with partner_server() as partner:
        shown = cli.ok(
            "carriers", "connect", "kaupunkikuriiri", "--url", partner.url,
            "--api-key-file", str(key_file), "--webhook-secret-file", str(secret_file),
            **NO_ENV,
        )  # fmt: skip
        assert "Connected kaupunkikuriiri" in shown.stdout
        assert partner.url in shown.stdout
        assert "/api/v1/carrier-webhooks/kaupunkikuriiri/car_" in shown.stdout
        assert API_KEY not in shown.output
        assert SECRET not in shown.output
        assert stored(cli) == (partner.url, API_KEY, SECRET)
        # The stored connection is the one a hand-off then uses.
        cli.ok("handoff", "S-1", "--carrier", "kaupunkikuriiri", "--service-level", "same_day")
        (booked,) = partner.state.bookings()
        assert booked.headers["authorization"] == f"Bearer {API_KEY}"


def test_a_connection_from_the_environment_replaces_the_one_stored(cli: Cli, org: str) -> None:
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS))
    first = new_secret(b"1" * 32)
    env = {"DOORSTEP_CARRIER_API_KEY": "pk_first", "DOORSTEP_CARRIER_WEBHOOK_SECRET": first}
    cli.ok("carriers", "connect", "kaupunkikuriiri", "--url", "https://one.test/v1", **env)
    env = {"DOORSTEP_CARRIER_API_KEY": "pk_second", "DOORSTEP_CARRIER_WEBHOOK_SECRET": SECRET}
    shown = cli.ok(
        "carriers", "connect", "kaupunkikuriiri", "--url", "https://two.test/v1", "--json", **env
    )
    answer = json.loads(shown.stdout)
    assert answer["base_url"] == "https://two.test/v1"
    carrier_id = answer["carrier_id"]
    assert answer["webhook_url"] == f"/api/v1/carrier-webhooks/kaupunkikuriiri/{carrier_id}"
    assert "pk_second" not in shown.output
    assert SECRET not in shown.output
    assert stored(cli) == ("https://two.test/v1", "pk_second", SECRET)


def test_missing_or_wrong_secrets_are_refused_saying_where_they_come_from(
    cli: Cli, org: str, tmp_path: Path
) -> None:
    cli.ok("carriers", "import", str(SAMPLE_CARRIERS))
    url = ("--url", "https://partner.test/v1")
    missing = cli("carriers", "connect", "kaupunkikuriiri", *url, **NO_ENV)
    assert missing.exit_code == 2
    assert one_line_error(missing) == (
        "Error: give the API key in a file with --api-key-file, or set DOORSTEP_CARRIER_API_KEY"
    )
    empty = tmp_path / "empty.key"
    empty.write_text("\n", encoding="utf-8")
    blank = cli(
        "carriers", "connect", "kaupunkikuriiri", *url, "--api-key-file", str(empty), **NO_ENV
    )
    assert blank.exit_code == 2
    assert f"--api-key-file: {empty} is empty" in one_line_error(blank)
    weak = "not-a-whsec-secret-at-all"
    env = {"DOORSTEP_CARRIER_API_KEY": "pk_x", "DOORSTEP_CARRIER_WEBHOOK_SECRET": weak}
    wrong = cli("carriers", "connect", "kaupunkikuriiri", *url, **env)
    assert wrong.exit_code == 1
    assert "webhook_secret: must start with 'whsec_'" in one_line_error(wrong)
    assert weak not in wrong.output
    env["DOORSTEP_CARRIER_WEBHOOK_SECRET"] = SECRET
    own = cli("carriers", "connect", "omat_autot", *url, **env)
    assert own.exit_code == 1
    assert "omat_autot is the own fleet, not a partner" in one_line_error(own)
    nowhere = cli("carriers", "connect", "kaupunkikuriiri", "--url", "ftp://x.test", **env)
    assert nowhere.exit_code == 1
    assert "base_url: must be an http(s) URL" in one_line_error(nowhere)
