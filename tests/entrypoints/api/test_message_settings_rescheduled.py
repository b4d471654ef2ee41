"""The "rescheduled" message in the organisation's message settings: listed among the default
rules, switchable off and on again through the API like the others, and applied to the
organisations whose settings were saved before it existed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import insert

from doorstep.adapters.storage import tables as t
from doorstep.bootstrap import Container
from tests.entrypoints.api.conftest import Tenant

URL = "/api/v1/message-settings"


def rules(client: TestClient, tenant: Tenant) -> dict[str, list[str]]:
    answer = client.get(URL, headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return {r["trigger"]: r["channels"] for r in answer.json()["rules"]}


def test_rescheduled_is_a_default_rule_that_can_be_switched_off(
    client: TestClient, tenant_a: Tenant
) -> None:
    """Without stored settings it goes by e-mail and SMS; a PUT without it stores it off; a
    PUT naming it with SMS alone stores that."""
    assert rules(client, tenant_a)["rescheduled"] == ["email", "sms"]
    kept = {t: c for t, c in rules(client, tenant_a).items() if t != "rescheduled"}
    body = {"rules": [{"trigger": t, "channels": c} for t, c in kept.items()]}
    assert client.put(URL, json=body, headers=tenant_a.admin).status_code == 200
    assert "rescheduled" not in rules(client, tenant_a)
    body["rules"].append({"trigger": "rescheduled", "channels": ["sms"]})
    assert client.put(URL, json=body, headers=tenant_a.admin).status_code == 200
    assert rules(client, tenant_a)["rescheduled"] == ["sms"]


def test_an_own_rescheduled_template_is_checked_when_saved(
    client: TestClient, tenant_a: Tenant
) -> None:
    """An organisation's own wording for the move renders with the move's facts; a broken one
    is refused naming the trigger, not stored."""
    own = {
        "trigger": "rescheduled", "channel": "sms", "language": "en",
        "body": "{{ name }}: {{ day }} {{ windows }}",
    }  # fmt: skip
    body = {"rules": [{"trigger": "rescheduled"}], "templates": [own]}
    assert client.put(URL, json=body, headers=tenant_a.admin).status_code == 200
    broken = {**own, "body": "{% if day %}{{ day }}"}
    refused = client.put(URL, json={**body, "templates": [broken]}, headers=tenant_a.admin)
    assert refused.status_code in (400, 422), refused.text
    assert "rescheduled/sms" in refused.text
    stored = client.get(URL, headers=tenant_a.admin).json()["templates"]
    assert [t["body"] for t in stored] == [own["body"]]


def test_settings_saved_before_rescheduled_existed_show_and_apply_its_default(
    client: TestClient, container: Container, tenant_a: Tenant
) -> None:
    """Settings stored when "rescheduled" did not exist yet (received and delivered by
    e-mail, the four other triggers then known switched off): the API shows the rescheduled
    rule with its default channels beside them. Saved back without it, it is off for good."""
    document = {
        "rules": [
            {"trigger": "order_received", "channels": ["email"], "stops_away": 3},
            {"trigger": "delivered", "channels": ["email"], "stops_away": 3},
        ],
        "quiet_hours": None, "language": "fi", "templates": [],
        "off": ["attempt_failed", "delayed", "out_for_delivery", "stops_away"],
    }  # fmt: skip
    with container.engine.begin() as connection:
        connection.execute(
            insert(t.message_settings).values(organisation_id=tenant_a.org_id, settings=document)
        )
    assert rules(client, tenant_a) == {
        "order_received": ["email"], "delivered": ["email"], "rescheduled": ["email", "sms"]
    }  # fmt: skip
    shown = client.get(URL, headers=tenant_a.admin).json()
    assert shown["language"] == "fi"
    shown["rules"] = [r for r in shown["rules"] if r["trigger"] != "rescheduled"]
    assert client.put(URL, json=shown, headers=tenant_a.admin).status_code == 200
    assert rules(client, tenant_a) == {"order_received": ["email"], "delivered": ["email"]}
