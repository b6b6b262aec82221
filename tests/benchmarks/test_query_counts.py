"""The list page reads a fixed number of queries however many rows it shows: no query per row."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealeradmin.clusters.ingest import ingest_payload

MARKER = "querycount"
FIRST_EXTRA_ID = 7_000_000


def _add_clusters(seed_payloads: list[str], count: int, *, start: int = 0) -> None:
    """Copies of seed clusters (with their tags and cars) that a search for MARKER finds."""
    for n in range(start, start + count):
        payload = json.loads(seed_payloads[n % len(seed_payloads)])
        payload["Id"] = FIRST_EXTRA_ID + n
        payload["contact"]["last_name"] = f"{MARKER}{n}"
        payload["tags"] = [*payload.get("tags", []), f"Extra {n}"]
        ingest_payload(payload)


def _list(client, **params) -> tuple[int, int]:
    """(queries, rows shown) for one request of the list page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clusters:list"), params)
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


def test_the_list_page_makes_as_many_queries_for_100_rows_as_for_10(admin_client, seed_payloads):
    _add_clusters(seed_payloads, 10)
    ten = _list(admin_client, q=MARKER, per_page=100)
    _add_clusters(seed_payloads, 90, start=10)
    hundred = _list(admin_client, q=MARKER, per_page=100)

    assert (ten[1], hundred[1]) == (10, 100)
    assert ten[0] == hundred[0]


@pytest.mark.parametrize("filters", [{}, {"state": "new", "dealership": "brisbane-city-motors"}])
def test_the_list_page_makes_as_many_queries_with_40_extra_clusters_as_with_2(
    admin_client, seed_payloads, filters
):
    _add_clusters(seed_payloads, 2)
    few = [_list(admin_client, per_page=size, **filters)[0] for size in (25, 100)]
    _add_clusters(seed_payloads, 38, start=2)
    many = [_list(admin_client, per_page=size, **filters)[0] for size in (25, 100)]

    assert few[0] == few[1] == many[0] == many[1]
