"""Settings: the organisation, users and their roles, driver logins and API keys.

An administrator adds a user who then signs in and sees only their pages; a key is shown
once, works as a Bearer token and stops working once revoked; anyone else sees only what
their role may read, and the API refuses what the page does not offer them.
"""

from __future__ import annotations

from typing import Any

from doorstep.domain.accounts import Role
from doorstep.services import accounts, fleet
from tests.entrypoints.web.conftest import PASSWORD, Browsing, Org, Site, wait_until


def opened(browsing: Browsing, org: Org, role: Role, size: str = "desktop") -> Any:
    page = browsing.page(org, role, "/settings", size=size)
    page.wait_for_selector("body[data-ready]")
    return page


def stored_user(site: Site, org: Org, email: str) -> Any:
    found = accounts.list_users(org.principal, uow=site.container.reader())
    return next(u for u in found if u.email == email)


def sign_in(browsing: Browsing, email: str, password: str = PASSWORD) -> Any:
    """Through the login form, as a person would."""
    page = browsing.context("desktop").new_page()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page


def test_an_admin_adds_a_user_with_a_role_who_then_sees_only_their_pages(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=3)
    page = opened(browsing, org, Role.ADMIN)
    # The organisation's own values are in the form, and a change is stored.
    assert page.input_value("#org-form input[name=name]") == f"Org {site.count}"
    page.fill("#org-form input[name=currency]", "SEK")
    page.click("#org-form button[type=submit]")
    wait_until(
        lambda: (
            accounts.get_organisation(org.principal, uow=site.container.reader()).currency == "SEK"
        )
    )

    email = f"sami@{org.slug}.test"
    page.click("#add-user summary")
    page.fill("#user-form input[name=name]", "Sami Station")
    page.fill("#user-form input[name=email]", email)
    page.fill("#user-form input[name=password]", PASSWORD)
    page.uncheck("#user-form input[value=viewer]")
    page.check("#user-form input[value=station_associate]")
    page.click("#user-form button[type=submit]")
    row = page.wait_for_selector(f'tr[data-user="{email}"]')
    assert "Sami Station" in row.inner_text()
    assert stored_user(site, org, email).roles == {Role.STATION_ASSOCIATE}
    page.evaluate("() => window.scrollTo(0, 0)")
    browsing.shoot(page, "settings", "desktop")

    # Sami signs in, lands on the station page and is offered only their pages.
    sami = sign_in(browsing, email)
    sami.wait_for_url("**/station")
    assert [a.inner_text() for a in sami.query_selector_all(".menu a")] == ["Station", "Settings"]
    sami.goto("/planner")
    assert sami.inner_text("h1") == "Planner is not open to your role"
    sami.goto("/settings")
    sami.wait_for_selector("body[data-ready]")
    assert sami.is_hidden("#users")
    assert sami.is_hidden("#keys")
    assert "Station" in sami.inner_text("#me")

    # The admin gives Sami the dispatcher role too: stored, and the menu grows.
    page.click(f'tr[data-user="{email}"] button.edit-roles')
    page.check(f'tr[data-user="{email}"] input[value=dispatcher]')
    page.click(f'tr[data-user="{email}"] button.save-roles')
    wait_until(
        lambda: stored_user(site, org, email).roles == {Role.STATION_ASSOCIATE, Role.DISPATCHER}
    )
    sami.goto("/settings")
    assert "Control tower" in [a.inner_text() for a in sami.query_selector_all(".menu a")]

    # Deactivated, Sami can no longer sign in.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f'tr[data-user="{email}"] button.deactivate')
    wait_until(lambda: not stored_user(site, org, email).active)
    page.wait_for_selector(f'tr[data-user="{email}"]', state="detached")  # unless asked for
    page.check("#show-inactive")
    assert "deactivated" in page.inner_text(f'tr[data-user="{email}"]')
    refused = browsing.context().request.post(
        "/session", data={"email": email, "password": PASSWORD}
    )
    assert not refused.ok


def test_a_driver_record_is_linked_to_a_new_login_that_then_drives_as_that_driver(
    browsing: Browsing, site: Site
) -> None:
    """The organisation's driver record moves from its first login to a new one: the new
    login is that driver to the API, the old one no longer is."""
    org = site.new_org(orders=3)
    driver = fleet.get_driver(org.principal, org.driver_id or "", uow=site.container.reader())
    page = opened(browsing, org, Role.ADMIN)
    email = f"dora@{org.slug}.test"
    page.click("#add-user summary")
    page.fill("#user-form input[name=name]", "Dora Driver")
    page.fill("#user-form input[name=email]", email)
    page.fill("#user-form input[name=password]", PASSWORD)
    page.uncheck("#user-form input[value=viewer]")
    page.check("#user-form input[value=driver]")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector(f'tr[data-user="{email}"]')
    dora = stored_user(site, org, email)

    row = f'#drivers-table tr[data-driver="{driver.name}"]'
    page.wait_for_selector(f'{row} option[value="{dora.id}"]', state="attached")
    assert page.input_value(f"{row} select") == driver.user_id  # the login linked today
    page.select_option(f"{row} select", dora.id)
    page.click(f"{row} button")
    wait_until(
        lambda: (
            fleet.get_driver(org.principal, driver.id, uow=site.container.reader()).user_id
            == dora.id
        )
    )

    # Dora signs in and lands in the driver app; the API knows her as that driver: with no
    # plan published, what is missing is the plan, not her driver record.
    signed = sign_in(browsing, email)
    signed.wait_for_url("**/driver")
    detail = signed.request.get(f"/api/v1/me/route?date={org.day}").json()["detail"]
    assert "published plan" in detail, detail
    assert "for your login" not in detail, detail
    before = browsing.page(org, Role.DRIVER, "/settings")
    detail = before.request.get(f"/api/v1/me/route?date={org.day}").json()["detail"]
    assert "for your login" in detail, detail


def test_a_key_is_shown_once_works_as_a_bearer_token_and_fails_once_revoked(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=3)
    page = opened(browsing, org, Role.ADMIN)
    assert page.is_hidden("#new-secret")
    page.click("#add-key summary")
    page.fill("#key-form input[name=name]", "shop integration")
    page.check("#key-form input[value=planner]")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#new-secret:not([hidden])")
    secret = page.inner_text("#secret-value").strip()
    assert len(secret) > 20
    assert "shop integration" in page.inner_text('tr[data-key="shop integration"]')
    page.click("#copy-secret")
    page.wait_for_selector(".toast")

    integration = browsing.context().request  # no cookie: only the key signs it in
    bearer = {"Authorization": f"Bearer {secret}"}
    answer = integration.get("/api/v1/organisation", headers=bearer)
    assert answer.status == 200, answer.text()
    assert answer.json()["id"] == org.id

    # Shown once: gone from the page when dismissed, and not in the page after a reload.
    page.click("#hide-secret")
    assert secret not in page.content()
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert secret not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.click('tr[data-key="shop integration"] button.revoke')
    page.wait_for_selector('tr[data-key="shop integration"] .badge.bad')
    assert "revoked" in page.inner_text('tr[data-key="shop integration"]')
    assert integration.get("/api/v1/organisation", headers=bearer).status == 401


# fetch from the page itself, signed in by its cookie and marked as a page write.
WRITE = """async ([path, method, body]) => {
  const r = await fetch(path, {method, body: JSON.stringify(body), credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-Doorstep-Page': '1'}});
  return r.status;
}"""


def test_a_non_admin_sees_only_what_their_role_reads_and_the_api_refuses_the_rest(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=3)
    page = opened(browsing, org, Role.PLANNER, size="phone")
    for hidden in ("#users", "#keys", "#drivers", "#org-form .actions"):
        assert page.is_hidden(hidden), hidden
    assert page.is_disabled("#org-form input[name=name]")
    assert page.is_visible("#org-readonly")
    assert "Planner User" in page.inner_text("#me")
    new_user = {
        "email": f"eve@{org.slug}.test", "name": "Eve", "roles": ["admin"], "password": PASSWORD,
    }  # fmt: skip
    assert page.evaluate(WRITE, ["/api/v1/users", "POST", new_user]) == 403
    admin_id = stored_user(site, org, org.emails[Role.ADMIN]).id
    assert page.evaluate(WRITE, [f"/api/v1/users/{admin_id}", "PATCH", {"active": False}]) == 403
    assert page.evaluate(WRITE, ["/api/v1/organisation", "PATCH", {"name": "Mine"}]) == 403
    new_key = {"name": "x", "roles": ["admin"]}
    assert page.evaluate(WRITE, ["/api/v1/api-keys", "POST", new_key]) == 403
    users = accounts.list_users(org.principal, uow=site.container.reader())
    assert all(u.email != new_user["email"] for u in users)
    assert stored_user(site, org, org.emails[Role.ADMIN]).active

    # The administrator's page at phone size, for the screenshot.
    admin = opened(browsing, org, Role.ADMIN, size="phone")
    admin.wait_for_selector("#users-table tbody tr")
    browsing.shoot(admin, "settings", "phone")
