"""What a person types on the edit page is never silently changed or lost."""

from playwright.sync_api import expect

from dealeradmin.clusters.models import LeadCluster
from tests.conftest import BRISBANE


def _cluster_with_a_car() -> LeadCluster:
    return next(
        c for c in LeadCluster.objects.filter(dealership_id=101).order_by("id") if c.cars.exists()
    )


def test_letters_in_a_car_id_come_back_as_typed_with_an_error(manager_page, sandbox):
    cluster = _cluster_with_a_car()
    page = manager_page
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    car_id = page.locator("#car-rows tbody tr").first.get_by_label("Car id")
    car_id.fill("40abc4")
    page.get_by_role("button", name="Save to DealerStudio").click()
    car_id = page.locator("#car-rows tbody tr").first.get_by_label("Car id")
    expect(car_id).to_have_value("40abc4")
    expect(page.locator("#car-rows")).to_contain_text("Enter a whole number.")
    assert sandbox.requests(method="PUT") == []


def test_leaving_with_unsaved_changes_asks_first(manager_page, sandbox):
    cluster = _cluster_with_a_car()
    page = manager_page
    page.goto(f"/leads/{BRISBANE}/{cluster.id}/")
    page.get_by_label("Tags", exact=True).fill("Changed my mind")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="← Back to the list").click()
    expect(page.get_by_label("Tags", exact=True)).to_have_value("Changed my mind")
    assert asked == ["beforeunload"]
