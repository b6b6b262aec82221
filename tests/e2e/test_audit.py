"""The audit log in a real browser: filters narrow the entries without a reload, and the
address keeps them."""

import re
from pathlib import Path

from playwright.sync_api import expect

from dealeradmin.audit.models import AuditEntry
from tests.audit.conftest import BRISBANE_TZ, entry
from tests.e2e.test_overview import SCREENSHOTS


def _entries(manager, admin_user):
    from datetime import datetime, timedelta

    day = datetime(2026, 3, 10, 9, 0, tzinfo=BRISBANE_TZ)
    made = [
        entry(manager, at=day, cluster_id=5001),
        entry(
            manager,
            at=day + timedelta(days=1),
            cluster_id=5002,
            changes={"user_id": ["Sarah Mitchell", "Tom Wright"], "tags": [["VIP"], []]},
        ),
        entry(admin_user, at=day + timedelta(days=2), cluster_id=5003, action="board_move"),
        entry(admin_user, at=day + timedelta(days=3), cluster_id=5004, failed=True),
    ]
    return made


def test_filters_narrow_the_audit_log_and_the_address_keeps_them(manager_page, manager, admin_user):
    made = _entries(manager, admin_user)
    page = manager_page
    page.goto("/audit/")
    expect(page.locator(".audit-entry")).to_have_count(4)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "audit.png", full_page=True)

    page.get_by_label("Person").select_option(label="groupadmin")
    expect(page.locator(".audit-entry")).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"person={admin_user.pk}"))

    page.get_by_label("Action").select_option("board_move")
    expect(page.locator(".audit-entry")).to_have_count(1)
    expect(page.locator(f"#audit-{made[2].id}")).to_contain_text("Board move")

    page.get_by_role("link", name="Clear").click()
    expect(page.locator(".audit-entry")).to_have_count(4)
    page.get_by_label("Cluster id").fill("5002")
    expect(page.locator(".audit-entry")).to_have_count(1)
    change = page.locator(f"#audit-{made[1].id} .changes-table tbody tr").first
    expect(change).to_contain_text("Assigned salesperson")
    expect(change.locator(".old")).to_have_text("Sarah Mitchell")
    expect(change.locator(".new")).to_have_text("Tom Wright")

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("From").fill("2026-03-12")
    expect(page.locator(".audit-entry")).to_have_count(2)
    page.get_by_label("To").fill("2026-03-12")
    expect(page.locator(".audit-entry")).to_have_count(1)

    page.reload()
    expect(page.get_by_label("From")).to_have_value("2026-03-12")
    expect(page.locator(".audit-entry")).to_have_count(1)
    href = page.locator("#audit-csv").get_attribute("href")
    assert "date_from=2026-03-12" in href and href.startswith("/audit/export.csv")


def test_the_csv_download_holds_the_filtered_entries(manager_page, manager, admin_user):
    _entries(manager, admin_user)
    page = manager_page
    page.goto("/audit/?action=board_move")
    with page.expect_download() as download_info:
        page.locator("#audit-csv").click()
    lines = Path(download_info.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert "Board move" in lines[1]
    assert AuditEntry.objects.count() == 4


def test_the_audit_log_fits_a_phone(browser, live_server, manager, admin_user):
    from tests.e2e.conftest import signed_in_page

    _entries(manager, admin_user)
    page = signed_in_page(browser, live_server, manager, viewport={"width": 375, "height": 740})
    try:
        page.goto("/audit/")
        expect(page.locator(".audit-entry")).to_have_count(4)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=SCREENSHOTS / "audit-phone.png", full_page=True)
    finally:
        page.context.close()
