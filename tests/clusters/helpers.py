"""Helpers for driving the edit page as a browser would, and for building webhook payloads."""

import json

from django.conf import settings
from django.urls import reverse

from dealeradmin.clusters.models import LeadCluster
from tests.clusters.htmlform import form_values

WEBHOOK_URL = "/webhooks/dealerstudio/lead-clusters/"
__all__ = ["form_values"]


def edit_url(cluster: LeadCluster, slug: str) -> str:
    return reverse("clusters:edit", args=[slug, cluster.id])


def open_edit(client, cluster: LeadCluster, slug: str) -> dict[str, str]:
    """GETs the edit page and returns what its form would submit untouched."""
    response = client.get(edit_url(cluster, slug))
    assert response.status_code == 200
    return form_values(response.content.decode())


def add_car_row(data: dict, **values) -> dict:
    index = int(data["cars-TOTAL_FORMS"])
    data["cars-TOTAL_FORMS"] = str(index + 1)
    for name in ("id", "car_id", "family_id", "manufacturer_id", "year", "badge", "colour"):
        data[f"cars-{index}-{name}"] = str(values.get(name, ""))
    return data


def webhook_headers(token: str | None = None, *, header: str = "bearer") -> dict:
    token = settings.DEALERSTUDIO_WEBHOOK_TOKEN if token is None else token
    if header == "bearer":
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return {"HTTP_X_AUTHORIZATION": token}


def post_webhook(client, payload, *, token: str | None = None, header: str = "bearer"):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(
        WEBHOOK_URL, body, content_type="application/json", **webhook_headers(token, header=header)
    )
