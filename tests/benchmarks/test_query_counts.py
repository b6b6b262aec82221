"""Pages read a fixed number of queries however many rows they show: no query per row."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealeradmin.audit.services import audit_finish, audit_start
from dealeradmin.clusters.ingest import ingest_payload, set_cluster_tags
from dealeradmin.clusters.models import CarInterest
from dealeradmin.tags.models import TagJob, TagJobItem

MARKER = "querycount"
FIRST_EXTRA_ID = 7_000_000
FIRST_SEED_ID = 5001  # the sandbox's first Brisbane cluster
BRISBANE_ID = 101


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


# The other pages that show rows: each costs the same queries for few rows as for many.


def _queries(client, url: str, params=None) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        content = b"".join(response) if response.streaming else response.content
    assert response.status_code == 200
    return len(queries), content


def _audit_entries(actor, count: int, *, start: int = 0) -> None:
    for n in range(start, start + count):
        audit_finish(
            audit_start(
                actor=actor,
                action="edit",
                dealership_id=BRISBANE_ID,
                cluster_id=FIRST_SEED_ID + n % 20,
                changes={"lead_state": ["new", "contacted"], "tags": [[], [f"{MARKER}{n}"]]},
            )
        )


@pytest.mark.parametrize("page, few, many", [("audit:log", 5, 50), ("audit:export", 10, 100)])
def test_the_audit_log_and_its_export_make_as_many_queries_for_many_entries_as_for_few(
    admin_client, admin_user, page, few, many
):
    _audit_entries(admin_user, few)
    few_queries, few_shown = _queries(admin_client, reverse(page))
    _audit_entries(admin_user, many - few, start=few)
    many_queries, many_shown = _queries(admin_client, reverse(page))

    assert (few_shown.count(MARKER.encode()), many_shown.count(MARKER.encode())) == (few, many)
    assert few_queries == many_queries


def _tag_job(user, items: int) -> TagJob:
    job = TagJob.objects.create(
        kind=TagJob.Kind.ADD,
        summary=f"Add {MARKER}",
        created_by=user,
        created_by_name=user.get_username(),
        total=items,
        done_count=items // 2,
        status=TagJob.Status.STOPPED,
    )
    TagJobItem.objects.bulk_create(
        TagJobItem(
            job=job,
            dealership_id=BRISBANE_ID,
            cluster_id=FIRST_SEED_ID + n,
            old_tags=[],
            new_tags=[f"{MARKER}{n}"],
            status=TagJobItem.Status.DONE if n < items // 2 else TagJobItem.Status.FAILED,
            error="" if n < items // 2 else "DealerStudio is not answering.",
        )
        for n in range(items)
    )
    return job


def test_the_tag_jobs_list_makes_as_many_queries_for_20_jobs_as_for_2(admin_client, admin_user):
    for _ in range(2):
        _tag_job(admin_user, 3)
    few, few_page = _queries(admin_client, reverse("tags:jobs"))
    for _ in range(18):
        _tag_job(admin_user, 3)
    many, many_page = _queries(admin_client, reverse("tags:jobs"))

    assert (few_page.count(b"Add querycount"), many_page.count(b"Add querycount")) == (2, 20)
    assert few == many


def test_a_tag_job_page_makes_as_many_queries_for_100_clusters_as_for_10(admin_client, admin_user):
    few, few_page = _queries(admin_client, reverse("tags:job", args=[_tag_job(admin_user, 10).id]))
    job = _tag_job(admin_user, 100)
    many, many_page = _queries(admin_client, reverse("tags:job", args=[job.id]))

    assert few_page.count(b"<tr") + 90 == many_page.count(b"<tr")
    assert few == many


def test_the_edit_page_makes_as_many_queries_for_a_full_cluster_as_for_a_bare_one(
    admin_client, admin_user
):
    url = reverse("clusters:edit", args=["brisbane-city-motors", FIRST_SEED_ID])
    CarInterest.objects.filter(cluster_id=FIRST_SEED_ID).delete()
    set_cluster_tags(FIRST_SEED_ID, BRISBANE_ID, [])
    bare, bare_page = _queries(admin_client, url)

    set_cluster_tags(FIRST_SEED_ID, BRISBANE_ID, [f"{MARKER}{n}" for n in range(30)])
    CarInterest.objects.bulk_create(
        CarInterest(
            cluster_id=FIRST_SEED_ID, ds_id=900 + n, car_id=n + 1, family_id=1, manufacturer_id=1
        )
        for n in range(10)
    )
    _audit_entries(admin_user, 25)
    full, full_page = _queries(admin_client, url)

    assert bare_page.count(b'name="cars-') < full_page.count(b'name="cars-')
    assert full_page.count(MARKER.encode()) > bare_page.count(MARKER.encode())
    assert bare == full
