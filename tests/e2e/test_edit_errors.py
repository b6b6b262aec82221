"""Failures in a real browser: DealerStudio refusing a save keeps everything typed and says why;
a stale CSRF token in an htmx request says the session expired instead of swapping an error page
into the board; a clash is settled field by field."""

import re

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from dealeradmin.accounts.csrf import SESSION_EXPIRED
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.dealerstudio import errors
from tests.conftest import BRISBANE
from tests.e2e.conftest import signed_in_page

PUT_PATH = "/api/v1/dealerships/*/lead_clusters/*"
SARAH, PRIYA = 1001, 1003


@pytest.fixture
def cluster(manager) -> LeadCluster:
    return LeadCluster.objects.filter(
        dealership_id=101, assignee_id__isnull=False, lead_state="new"
    ).first()


def test_a_failed_save_keeps_what_was_typed_and_says_why(manager_page, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=503, times=0)
    page = manager_page
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    page.get_by_label("Lead state").select_option("contacted")
    page.get_by_label("Tags", exact=True).fill("Kept <tag>\nSecond")
    page.get_by_role("button", name="Add a car").click()
    row = page.locator("#car-rows tbody tr").last
    row.get_by_label("Car id").fill("990001")
    row.get_by_label("Family id").fill("11")
    row.get_by_label("Manufacturer id").fill("1")
    page.get_by_role("button", name="Save to DealerStudio").click()

    expect(page.get_by_role("alert").filter(has_text="Not saved.")).to_contain_text(
        errors.UNAVAILABLE.format(status=503)
    )
    expect(page.get_by_label("Lead state")).to_have_value("contacted")
    expect(page.get_by_label("Tags", exact=True)).to_have_value("Kept <tag>\nSecond")
    row = page.locator("#car-rows tbody tr").last
    expect(row.get_by_label("Car id")).to_have_value("990001")
    assert len(sandbox.requests(method="PUT")) == 1  # a new car row: never repeated


def test_a_401_on_save_points_to_the_token_page(manager_page, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=401)
    page = manager_page
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    page.get_by_label("Lead state").select_option("lost")
    page.get_by_role("button", name="Save to DealerStudio").click()
    expect(page.get_by_role("alert").filter(has_text="Not saved.")).to_contain_text(
        errors.TOKEN_INVALID
    )
    expect(page.get_by_role("link", name="Update your API token")).to_have_attribute(
        "href", "/settings/token/"
    )
    expect(page.get_by_label("Lead state")).to_have_value("lost")


@pytest.fixture
def wide_page(browser, live_server, manager, settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0
    page = signed_in_page(browser, live_server, manager, viewport={"width": 2700, "height": 1200})
    yield page
    page.context.close()
    assert not page.js_errors, f"JavaScript errors on the page: {page.js_errors}"


def test_a_stale_csrf_token_in_an_htmx_move_says_the_session_expired(
    wide_page, live_server, sandbox
):
    page = wide_page
    page.goto("/board/")
    card = page.locator(f'.card-list[data-column="{SARAH}"] .card').first
    card_id = card.get_attribute("id")
    # The session's CSRF cookie changes under the open page (as after signing in elsewhere).
    host = live_server.url.split("//")[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": django_settings.CSRF_COOKIE_NAME,
                "value": "s" * 32,
                "domain": host,
                "path": "/",
            }
        ]
    )
    card.locator("summary").click()
    card.get_by_label(re.compile(r"^Move .* to$")).select_option(label="Priya Sharma")
    card.get_by_role("button", name="Move").click()

    expect(page.locator("#messages")).to_contain_text(SESSION_EXPIRED)
    # nothing swapped in: the card is where it was, the board is still the board
    expect(page.locator(f'.card-list[data-column="{SARAH}"] #{card_id}')).to_be_visible()
    expect(page.get_by_text("Forbidden")).to_have_count(0)
    expect(page.get_by_text("CSRF")).to_have_count(0)
    assert sandbox.requests(method="PUT") == []


def test_a_clash_is_settled_field_by_field_in_the_browser(
    manager_page, admin_client, sandbox, cluster
):
    from tests.clusters.helpers import edit_url, open_edit

    page = manager_page
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    # Someone else saves the state and the tags while the page is open.
    theirs = open_edit(admin_client, cluster, BRISBANE)
    theirs.update(lead_state="lost", tags="Theirs")
    assert admin_client.post(edit_url(cluster, BRISBANE), theirs).status_code == 302

    page.get_by_label("Lead state").select_option("converted")
    page.get_by_role("button", name="Save to DealerStudio").click()
    clash = page.get_by_role("group", name="Changed by someone else since you opened this page")
    expect(clash).to_contain_text("Keep theirs: Lost")
    expect(clash).to_contain_text("Use mine: Converted")
    clash.get_by_label(re.compile("Keep theirs")).check()
    page.get_by_label("Tags", exact=True).fill("Mine")
    page.get_by_role("button", name="Save to DealerStudio").click()
    # tags: they changed them too, after I opened the page; a clash again, on that field only
    expect(clash).to_contain_text("Keep theirs: Theirs")
    expect(clash.get_by_role("row")).to_have_count(2)  # the header and the tags
    page.get_by_role("button", name="Save to DealerStudio").click()
    expect(page.locator("#messages")).to_contain_text(f"Saved lead cluster #{cluster.id}")
    assert sandbox.requests(method="PUT")[-1]["body"] == {"lead_cluster": {"tags": ["Mine"]}}
    refreshed = LeadCluster.objects.get(pk=cluster.pk)
    assert refreshed.lead_state == "lost" and refreshed.tag_names() == ["Mine"]
