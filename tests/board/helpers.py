"""Reading the board's htmx answers in tests."""

import json
import re

from django.test import Client

from tests.conftest import BRISBANE

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_column(html: str, cluster_id: int) -> str | None:
    """The column a card in `html` says it belongs to (None when the card is absent)."""
    match = re.search(rf'id="card-{cluster_id}"[^>]*?data-column="([^"]*)"', html, re.S)
    return match.group(1) if match else None


def header_count(html: str, key: str) -> int | None:
    match = re.search(
        rf'<header class="column-head" id="head-{key}"[^>]*>.*?class="count"[^>]*>(\d+)', html, re.S
    )
    return int(match.group(1)) if match else None


def message(response) -> dict:
    return json.loads(response["HX-Trigger"])["showMessage"]


def move(client: Client, cluster, to, *, query: str = "", seen=None, slug: str = BRISBANE, **extra):
    data = {"cluster": cluster.id, "dealership": slug, "to": str(to)}
    if seen is not None:
        data["seen"] = str(seen)
    return client.post(f"/board/move/?{query}", data, **{**HTMX, **extra})
