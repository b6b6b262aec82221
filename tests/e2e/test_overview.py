"""The overview in a real browser: the pictures are there, and a bar opens the filtered list."""

import re
from pathlib import Path

from playwright.sync_api import expect

from dealeradmin.clusters.models import LeadCluster

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_state_bar_opens_the_list_filtered_by_that_state(manager_page):
    page = manager_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    new_count = LeadCluster.objects.filter(dealership_id=101, lead_state="new").count()
    states = page.locator("#chart-states")
    expect(states.get_by_role("link", name=re.compile(r"^New"))).to_contain_text(str(new_count))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "overview.png", full_page=True)
    states.get_by_role("link", name=re.compile(r"^New")).click()
    expect(page).to_have_url(re.compile(r"/leads/\?state=new$"))
    expect(page.get_by_label("State")).to_have_value("new")
    expect(page.locator(".result-count")).to_have_text(f"{new_count} lead clusters")


def test_a_salespersons_new_count_opens_their_new_clusters(manager_page):
    page = manager_page
    page.goto("/")
    row = page.locator("#chart-workload li").nth(1)
    name = row.locator(".person").inner_text()
    row.get_by_role("link", name=re.compile(r"new$")).click()
    expect(page).to_have_url(re.compile(r"/leads/\?assignee=\d+&state=new$"))
    expect(page.locator("#id_assignee option:checked")).to_have_text(name)
    for cell in page.locator("#cluster-results tbody tr td:nth-child(3)").all():
        expect(cell).to_have_text(name)


def test_the_longest_waiting_cluster_opens_its_edit_page(manager_page):
    page = manager_page
    page.goto("/")
    oldest = (
        LeadCluster.objects.filter(dealership_id=101, lead_state="new")
        .order_by("last_lead_created_at", "id")
        .first()
    )
    page.locator("#chart-waiting li").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/leads/brisbane-city-motors/{oldest.id}/"))


def test_the_overview_fits_a_phone(browser, live_server, manager):
    from tests.e2e.conftest import signed_in_page

    page = signed_in_page(browser, live_server, manager, viewport={"width": 375, "height": 740})
    try:
        page.goto("/")
        expect(page.locator("#chart-days li")).to_have_count(14)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "overview-phone.png", full_page=True)
    finally:
        page.context.close()
