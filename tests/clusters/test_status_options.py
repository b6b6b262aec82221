"""Admins name lead status options; managers see the names and cannot change them."""

from dealeradmin.clusters.models import StatusOptionLabel


def test_ids_seen_in_webhooks_are_listed_with_their_names(manager_client):
    response = manager_client.get("/settings/status-options/")
    assert response.status_code == 200
    label = StatusOptionLabel.objects.filter(dealership_id=101).first()
    assert label.name.encode() in response.content
    assert b"Save names" not in response.content


def test_a_manager_cannot_rename_an_option(manager_client):
    label = StatusOptionLabel.objects.filter(dealership_id=101).first()
    response = manager_client.post(
        "/settings/status-options/",
        {
            "labels-TOTAL_FORMS": "1",
            "labels-INITIAL_FORMS": "1",
            "labels-0-id": str(label.pk),
            "labels-0-name": "Renamed",
        },
    )
    assert response.status_code == 403
    label.refresh_from_db()
    assert label.name != "Renamed"


def test_an_admin_renames_an_option_and_names_a_new_id(admin_client):
    labels = list(
        StatusOptionLabel.objects.filter(dealership_id__in=[101, 202]).order_by(
            "dealership_id", "option_id"
        )
    )
    data = {"labels-TOTAL_FORMS": str(len(labels)), "labels-INITIAL_FORMS": str(len(labels))}
    for i, label in enumerate(labels):
        data[f"labels-{i}-id"] = str(label.pk)
        data[f"labels-{i}-name"] = "Finance approved" if i == 0 else label.name
    data.update({"new-dealership": "101", "new-option_id": "987", "new-name": "Deposit taken"})
    response = admin_client.post("/settings/status-options/", data)
    assert response.status_code == 302
    labels[0].refresh_from_db()
    assert labels[0].name == "Finance approved"
    assert StatusOptionLabel.objects.get(dealership_id=101, option_id=987).name == "Deposit taken"
