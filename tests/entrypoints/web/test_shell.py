"""The pages' shell: signing in, the menu by role, pages closed to a role, the map's streets."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from doorstep.adapters.roads.basemap import mercator
from doorstep.domain.accounts import Role
from tests.entrypoints.web.conftest import PASSWORD, Browsing, Site, playwright_api


def test_signing_in_lands_each_role_on_its_page_and_signing_out_ends_the_session(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=5)
    context = browsing.context("phone")
    page = context.new_page()
    page.goto("/planner")
    assert page.url.endswith("/login?next=/planner")
    page.fill("input[name=email]", org.emails[Role.PLANNER])
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "wrong" in page.inner_text("#login-error")
    browsing.shoot(page, "login", "phone")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # The path itself: the sign-in page's own address, /login?next=/planner, ends in /planner
    # too, so a looser pattern returned at once and the click landed on the planner page while
    # it was still loading (before Sign out was a plain form, that click did nothing: the
    # sign-out that "never left the page" in CI runs under load).
    page.wait_for_url(re.compile(r"^https?://[^/?]+/planner$"))
    assert page.inner_text(".who-name") == "Planner User"
    page.click("#sign-out")
    page.wait_for_url(re.compile(r"/login(\?|$)"), timeout=60_000)
    assert page.locator("#login-form").is_visible()
    page.goto("/planner")
    assert "/login" in page.url


def test_signing_out_works_without_the_pages_script_and_not_from_another_site(
    browsing: Browsing, site: Site
) -> None:
    """Sign out is a plain form: a click before the script has loaded (here: no script at
    all) still ends the session. A post from another site ends nothing."""
    org = site.new_org(orders=5)
    context = browsing.context("desktop", java_script_enabled=False)
    signed = context.request.post(
        "/session", data={"email": org.emails[Role.PLANNER], "password": PASSWORD}
    )
    assert signed.ok, signed.text()
    [token] = [c["value"] for c in context.cookies() if c["name"] == "doorstep_session"]
    me = {"Authorization": f"Bearer {token}"}
    forged = context.request.post(
        "/sign-out", headers={"Origin": "https://elsewhere.test", "Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status == 403, forged.text()
    assert "own pages" in forged.text()
    assert context.request.get("/api/v1/users/me", headers=me).ok  # still signed in

    page = context.new_page()
    page.goto("/planner")
    assert page.inner_text(".who-name") == "Planner User"
    page.click("#sign-out")
    page.wait_for_url(re.compile(r"/login(\?|$)"))
    assert not [c for c in context.cookies() if c["name"] == "doorstep_session"]
    assert context.request.get("/api/v1/users/me", headers=me).status == 401  # the session ended


def test_a_role_sees_only_its_pages_and_a_closed_page_says_who_may_open_it(
    browsing: Browsing, site: Site
) -> None:
    org = site.new_org(orders=5)
    page: Any = browsing.page(org, Role.DRIVER, "/planner")
    assert page.inner_text("h1") == "Planner is not open to your role"
    assert [a.inner_text() for a in page.query_selector_all(".menu a")] == ["Driver", "Settings"]
    page = browsing.page(org, Role.STATION_ASSOCIATE, "/")
    page.wait_for_url("**/station")


def test_the_map_draws_the_regions_own_streets(browsing: Browsing, site: Site) -> None:
    x, y = mercator(np.array([60.1699]), np.array([24.9384]))  # the Helsinki extract's centre
    z = 15
    answer = browsing.context().request.get(
        f"/map/tiles/{z}/{int(x[0] * 2**z)}/{int(y[0] * 2**z)}.json"
    )
    assert answer.ok
    body = answer.json()
    assert body["extent"] == 4096
    assert len(body["lines"]) > 10
    assert {kind for kind, _ in body["lines"]} >= {"local"}


def test_the_browser_reaches_no_other_host_and_the_pages_refuse_other_sources(
    browsing: Browsing, site: Site
) -> None:
    """The guard the other browser tests rely on works: a request elsewhere fails and is
    recorded; and the pages' own policy would refuse a script from another host anyway."""
    org = site.new_org(orders=3)
    page: Any = browsing.page(org, Role.ADMIN, "/settings")
    failed = page.evaluate(
        """() => fetch('http://tiles.example.org/1/1/1.png').then(() => 'loaded', () => 'failed')"""
    )
    assert failed == "failed"
    assert browsing.outside == []  # the page's own connect-src refused it before the network
    browsing.console_errors.clear()  # that refusal is logged as an error, as it should be
    other = page.context.new_page()
    with pytest.raises(playwright_api.Error):
        other.goto("http://tiles.example.org/")
    assert browsing.outside == ["http://tiles.example.org/"]  # recorded and refused
    browsing.outside.clear()
