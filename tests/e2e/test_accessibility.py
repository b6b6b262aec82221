"""axe-core (from node_modules) audits every page; serious and critical violations fail.

The pages' CSP allows only same-origin scripts, so axe is evaluated through the DevTools
protocol (page.evaluate), which the CSP does not govern; the pages themselves stay as served.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dealeradmin.audit.services import audit_finish, audit_start
from dealeradmin.clusters.models import LeadCluster
from tests.e2e.conftest import signed_in_page

REPO = Path(__file__).resolve().parents[2]
AXE = (REPO / "node_modules" / "axe-core" / "axe.min.js").read_text()
SCREENSHOTS = REPO / "var" / "screenshots"
BLOCKING = {"serious", "critical"}
PHONE = {"width": 375, "height": 740}
# The board is wider than a phone (its columns overflow the page, not a scroll box): reported
# to its owner in issue 6. Every other page must fit.
WIDTH_NOT_CHECKED = {"/board/"}


def _audit(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    results = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)
          }));
        }"""
    )
    return [v for v in results if v["impact"] in BLOCKING]


def _report(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {node}" for node in v["nodes"])
    return "\n".join(lines)


def _signed_in_pages(admin_user) -> list[str]:
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    entry = audit_start(
        actor=admin_user,
        action="edit",
        dealership_id=101,
        cluster_id=cluster.id,
        changes={"lead_state": ["new", "contacted"], "tags": [["VIP"], ["VIP", "Finance"]]},
    )
    audit_finish(entry)
    return [
        "/",
        "/leads/",
        f"/leads/brisbane-city-motors/{cluster.id}/",
        "/board/",
        "/tags/",
        "/audit/",
        "/settings/token/",
    ]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_every_page_has_no_serious_or_critical_axe_violations(
    browser, live_server, admin_user, viewport
):
    failures = []
    page = signed_in_page(browser, live_server, admin_user, viewport=viewport)
    try:
        for url in _signed_in_pages(admin_user):
            page.goto(url)
            expect(page.locator("main h1").first).to_be_visible()
            if viewport and url not in WIDTH_NOT_CHECKED:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    failures.append(f"{url}: {width}px wide on a {viewport['width']}px phone")
            failures += [_report(url, v) for v in [_audit(page)] if v]
            if viewport:
                name = url.strip("/").replace("/", "_") or "overview"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"phone-{name}.png", full_page=True)
        assert not page.js_errors, page.js_errors
    finally:
        page.context.close()

    anonymous = browser.new_context(base_url=live_server.url, viewport=viewport)
    try:
        login = anonymous.new_page()
        login.goto("/accounts/login/")
        expect(login.get_by_role("button", name="Sign in")).to_be_visible()
        if violations := _audit(login):
            failures.append(_report("/accounts/login/", violations))
    finally:
        anonymous.close()
    assert not failures, "\n".join(failures)


def test_a_person_without_a_token_sees_an_accessible_token_page(browser, live_server, db):
    user = get_user_model().objects.create_user("newcomer", password="a long passphrase here")
    page = signed_in_page(browser, live_server, user)
    try:
        page.goto("/")
        expect(page).to_have_url(f"{live_server.url}/settings/token/")
        violations = _audit(page)
        assert not violations, _report("/settings/token/ (first visit)", violations)
    finally:
        page.context.close()
