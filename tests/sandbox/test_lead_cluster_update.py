import pytest

from tests.sandbox.conftest import BRISBANE, GOLD_COAST, GROUP, MANAGER, bearer


def put(api, cluster_id, attrs, *, token=MANAGER, dealership=BRISBANE):
    return api.put(
        f"/api/v1/dealerships/{dealership}/lead_clusters/{cluster_id}",
        json={"lead_cluster": attrs},
        headers=bearer(token),
    )


@pytest.fixture
def assigned(find_cluster):
    return find_cluster(lambda c: c["assigned_salesperson"] and c["status"] == "new")


def test_it_changes_only_the_fields_sent(api, assigned):
    response = put(api, assigned["Id"], {"lead_state": "contacted"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "contacted"
    unchanged = ("assigned_salesperson", "tags", "location", "cars", "approved", "contact")
    for name in unchanged:
        assert body[name] == assigned[name]
    assert body["modified"] > assigned["modified"]


def test_a_blank_user_id_keeps_the_assignee(api, assigned):
    for blank in (None, ""):
        body = put(api, assigned["Id"], {"user_id": blank, "tags": ["VIP"]}).json()

        assert body["assigned_salesperson"] == assigned["assigned_salesperson"]
        assert body["tags"] == ["VIP"]


def test_it_reassigns_to_another_user_of_the_dealership(api, assigned):
    body = put(api, assigned["Id"], {"user_id": 1003}).json()

    assert body["assigned_salesperson"]["id"] == 1003
    assert body["assigned_salesperson"]["name"] == "Priya Sharma"


def test_a_null_secondary_user_clears_it(api, find_cluster):
    cluster = find_cluster(lambda c: c["secondary_salesperson"])

    body = put(api, cluster["Id"], {"secondary_user_id": None}).json()

    assert body["secondary_salesperson"] is None
    assert body["assigned_salesperson"] == cluster["assigned_salesperson"]


def test_it_sets_location_status_option_approval_and_car_ids(api, assigned):
    attrs = {
        "location_id": 1104,
        "lead_status_option_id": 33,
        "approved": True,
        "car_ids": [31234],
    }
    body = put(api, assigned["Id"], attrs).json()

    assert body["location"] == {"id": 1104, "name": "Newstead Service Centre"}
    assert body["lead_status_option"] == {"id": 33, "name": "Quote sent"}
    assert body["approved"] is True
    assert body["car_ids"] == [31234]


def test_it_accepts_the_dealership_id_in_place_of_the_slug(api, assigned):
    response = put(api, assigned["Id"], {"lead_state": "lost"}, dealership="101")

    assert response.status_code == 200


def test_nested_cars_are_added_updated_and_destroyed(api, find_cluster):
    cluster = find_cluster(lambda c: len(c["cars"]) >= 2)
    first, second = cluster["cars"][:2]
    rows = [
        {**first, "colour": "Eclipse Black", "year": 2025},
        {"id": second["id"], "_destroy": True},
        {"car_id": 35555, "family_id": 901, "manufacturer_id": 9, "badge": "Wildtrak"},
    ]

    body = put(api, cluster["Id"], {"car_lead_clusters_attributes": rows}).json()

    cars = {car["id"]: car for car in body["cars"]}
    assert cars[first["id"]]["colour"] == "Eclipse Black"
    assert cars[first["id"]]["year"] == 2025
    assert second["id"] not in cars
    added = [car for car in body["cars"] if car["car_id"] == 35555]
    assert added == [
        {
            "id": added[0]["id"],
            "car_id": 35555,
            "family_id": 901,
            "manufacturer_id": 9,
            "year": None,
            "badge": "Wildtrak",
            "colour": None,
        }
    ]
    assert len(body["cars"]) == len(cluster["cars"])


def test_nested_rows_need_car_family_and_manufacturer(api, assigned):
    rows = [
        {"car_id": 1, "family_id": 901, "manufacturer_id": 9},
        {"car_id": 2, "manufacturer_id": "nine", "year": 1850},
    ]
    response = put(api, assigned["Id"], {"car_lead_clusters_attributes": rows})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {
        "car_lead_clusters_attributes[1].family_id",
        "car_lead_clusters_attributes[1].manufacturer_id",
        "car_lead_clusters_attributes[1].year",
    }
    assert errors["car_lead_clusters_attributes[1].family_id"] == ["can't be blank"]
    assert errors["car_lead_clusters_attributes[1].manufacturer_id"] == ["must be an integer"]
    assert errors["car_lead_clusters_attributes[1].year"][0].startswith("must be between 1900")


def test_a_nested_id_from_another_cluster_is_rejected(api, find_cluster):
    cluster = find_cluster(lambda c: c["cars"])
    other = find_cluster(lambda c: c["cars"] and c["Id"] != cluster["Id"])
    row = {"id": other["cars"][0]["id"], "_destroy": True}

    response = put(api, cluster["Id"], {"car_lead_clusters_attributes": [row]})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["car_lead_clusters_attributes[0].id"]


def test_nothing_changes_when_any_field_is_invalid(api, sandbox, assigned):
    response = put(api, assigned["Id"], {"lead_state": "won", "tags": ["Hot"], "user_id": 2001})

    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "lead_state": ["is not included in the list"],
            "user_id": ["is not a user of this dealership"],
        }
    }
    body = put(api, assigned["Id"], {}).json()
    assert body["tags"] == assigned["tags"]
    assert body["status"] == assigned["status"]


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[1, 2]", b'{"lead_state": "new"}', b'{"lead_cluster": "new"}'],
)
def test_a_body_without_a_lead_cluster_object_is_unprocessable(api, assigned, content):
    response = api.put(
        f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{assigned['Id']}",
        content=content,
        headers={**bearer(MANAGER), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["base"]


def test_unknown_keys_inside_lead_cluster_are_ignored(api, assigned):
    response = put(api, assigned["Id"], {"golden": True, "lead_state": "contacted"})

    assert response.status_code == 200
    assert "golden" not in response.json()


def test_a_token_without_the_dealership_gets_access_denied(api, find_cluster):
    gold_coast_cluster = find_cluster(lambda c: True, dealership_id=202)

    response = put(
        api, gold_coast_cluster["Id"], {"lead_state": "lost"}, dealership="gold-coast-auto-group"
    )

    assert response.status_code == 403
    assert response.json() == {"error": "Access denied"}


def test_a_missing_token_is_unauthorized(api, assigned):
    response = api.put(
        f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{assigned['Id']}",
        json={"lead_cluster": {"lead_state": "lost"}},
    )

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


def test_an_unknown_token_is_unauthorized(api, assigned):
    response = put(api, assigned["Id"], {"lead_state": "lost"}, token="dsk_not_a_key")

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


@pytest.mark.parametrize(
    ("dealership", "cluster_id", "token"),
    [
        ("nowhere-motors", "5001", GROUP),
        (BRISBANE, "999999", MANAGER),
        (BRISBANE, "abc", MANAGER),
        ("gold-coast-auto-group", "5001", GOLD_COAST),
    ],
)
def test_unknown_dealerships_and_clusters_are_not_found(api, dealership, cluster_id, token):
    response = put(api, cluster_id, {"lead_state": "lost"}, token=token, dealership=dealership)

    assert response.status_code == 404
    assert response.json() == {"error": "Lead cluster not found"}
