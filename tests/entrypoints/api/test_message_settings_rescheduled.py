"""The "rescheduled" message in the organisation's message settings: listed among the default
rules, switchable off and on again through the API like the others."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
