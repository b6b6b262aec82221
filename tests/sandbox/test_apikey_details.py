from tests.sandbox.conftest import GOLD_COAST, GROUP, MANAGER, bearer

PATH = "/api/v1/apikeys/apikey_details.json"


def test_the_manager_token_reaches_only_brisbane_city_motors(api):
    response = api.get(PATH, headers=bearer(MANAGER))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == 1
    assert "update:lead_cluster" in body["permissions"]
    assert [d["slug"] for d in body["dealerships"]] == ["brisbane-city-motors"]
    dealership = body["dealerships"][0]
    assert dealership["id"] == 101
    assert dealership["name"] == "Brisbane City Motors"
    assert 3 <= len(dealership["locations"]) <= 4
    assert {loc["location_type"] for loc in dealership["locations"]} == {"sales", "service"}
    assert 6 <= len(dealership["users"]) <= 8
    assert all(u["email"].endswith("@brisbanecitymotors.com.au") for u in dealership["users"])


def test_the_group_token_reaches_both_dealerships(api):
    body = api.get(PATH, headers=bearer(GROUP)).json()

    assert [d["id"] for d in body["dealerships"]] == [101, 202]


def test_the_gold_coast_token_reaches_only_gold_coast(api):
    body = api.get(PATH, headers=bearer(GOLD_COAST)).json()

    assert [d["slug"] for d in body["dealerships"]] == ["gold-coast-auto-group"]


def test_a_missing_or_unknown_token_is_unauthorized(api):
    for headers in ({}, bearer("dsk_nope"), {"Authorization": MANAGER}):
        response = api.get(PATH, headers=headers)

        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized"}
