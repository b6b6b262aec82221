"""The product's main job in a real browser: find a cluster, change it, save it."""

import re

from playwright.sync_api import expect

from dealeradmin.clusters.models import LeadCluster
from tests.conftest import BRISBANE


def _cluster_with_two_cars():
    for cluster in LeadCluster.objects.filter(dealership_id=101, assignee_id__isnull=False):
        if cluster.cars.count() >= 2:
            return cluster
    raise AssertionError("the seed has no Brisbane cluster with two cars")


def test_a_manager_finds_a_cluster_changes_it_and_the_put_holds_exactly_those_changes(
    manager_page, live_server, webhooks_to_live_server
):
    sandbox = webhooks_to_live_server
    page = manager_page
    cluster = _cluster_with_two_cars()
    removed_car = cluster.cars.order_by("id").first()
    page.goto("/leads/")
    page.get_by_label("Search").fill(cluster.contact_last_name)
    row = page.locator(f"#cluster-{cluster.id}")
    expect(row).to_be_visible()
    expect(page).to_have_url(re.compile(r"q="))
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cluster.contact_first_name)

    assignee = page.get_by_label("Assigned salesperson", exact=True)
    options = assignee.locator("option").all_inner_texts()
    other = next(
        name for name in options if name != cluster.assignee_name and not name.startswith("—")
    )
    assignee.select_option(label=other)
    new_state = "contacted" if cluster.lead_state != "contacted" else "converted"
    page.get_by_label("Lead state").select_option(new_state)
    page.get_by_label("Tags", exact=True).fill("VIP\nTest drive booked")

    page.get_by_role("button", name="Add a car").click()
    new_row = page.locator("#car-rows tbody tr").last
    new_row.get_by_label("Car id").fill("990001")
    new_row.get_by_label("Family id").fill("11")
    new_row.get_by_label("Manufacturer id").fill("1")
    new_row.get_by_label("Year").fill("2024")
    new_row.get_by_label("Colour").fill("Glacier White")
    first_row = page.locator("#car-rows tbody tr").first
    first_row.get_by_label("Remove").check()

    page.get_by_role("button", name="Save to DealerStudio").click()
    expect(page.locator("#messages")).to_contain_text(f"Saved lead cluster #{cluster.id}")
    expect(page).to_have_url(re.compile(r"/leads/\?q="))
    expect(page.locator(f"#cluster-{cluster.id}")).to_contain_text(other)
    expect(page.locator(f"#cluster-{cluster.id}")).to_contain_text("Test drive booked")

    puts = sandbox.requests(method="PUT")
    assert len(puts) == 1
    assert puts[0]["path"] == f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{cluster.id}"
    body = puts[0]["body"]["lead_cluster"]
    assert set(body) == {"user_id", "lead_state", "tags", "car_lead_clusters_attributes"}
    assert body["lead_state"] == new_state
    assert body["tags"] == ["VIP", "Test drive booked"]
    assert body["car_lead_clusters_attributes"] == [
        {
            "id": removed_car.ds_id,
            "car_id": removed_car.car_id,
            "family_id": removed_car.family_id,
            "manufacturer_id": removed_car.manufacturer_id,
            "_destroy": True,
        },
        {
            "car_id": 990001,
            "family_id": 11,
            "manufacturer_id": 1,
            "year": 2024,
            "colour": "Glacier White",
        },
    ]


def test_clicking_save_again_while_it_saves_sends_one_put_and_says_saved(
    manager_page, live_server, sandbox
):
    page = manager_page
    cluster = LeadCluster.objects.filter(dealership_id=101, lead_state="new").first()
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    page.get_by_label("Lead state").select_option("contacted")
    sandbox.inject_fault(method="PUT", path="/api/v1/*", delay_ms=1500)  # the first still out
    page.get_by_role("button", name="Save to DealerStudio").focus()
    with page.expect_request(lambda request: request.method == "POST"):
        page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # again, while the first is held at DealerStudio

    expect(page.locator("#messages")).to_contain_text(f"Saved lead cluster #{cluster.id}")
    expect(page.locator("#messages")).not_to_contain_text("being saved")
    assert [p["body"] for p in sandbox.requests(method="PUT")] == [
        {"lead_cluster": {"lead_state": "contacted"}}
    ]
