"""Managers may read the catalogue; every curation URL refuses them."""

import pytest

from dealeradmin.tags.models import TagJob

from .conftest import merge_data


@pytest.fixture
def job(admin_user, high_quality_tags) -> TagJob:
    return TagJob.objects.create(
        kind=TagJob.Kind.MERGE,
        summary="Merge",
        created_by=admin_user,
        created_by_name=admin_user.username,
        status=TagJob.Status.STOPPED,
    )


def _curation_urls(tag_id: int, job_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/tags/merge/"),
        ("post", "/tags/merge/"),
        ("get", f"/tags/{tag_id}/rename/"),
        ("post", f"/tags/{tag_id}/rename/"),
        ("get", "/tags/delete/"),
        ("post", "/tags/delete/"),
        ("get", "/tags/bulk/"),
        ("post", "/tags/bulk/"),
        ("get", "/tags/jobs/"),
        ("get", f"/tags/jobs/{job_id}/"),
        ("post", f"/tags/jobs/{job_id}/resume/"),
        ("get", f"/tags/jobs/{job_id}/revert/"),
        ("post", f"/tags/jobs/{job_id}/revert/"),
    ]


def test_a_manager_is_refused_on_every_curation_url(
    manager_client, sandbox, high_quality_tags, job
):
    data = merge_data(high_quality_tags, "Hot lead", 99)
    for method, url in _curation_urls(high_quality_tags[0].id, job.id):
        response = getattr(manager_client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert TagJob.objects.count() == 1
    assert sandbox.requests(method="PUT") == []


def test_an_admin_reaches_the_same_pages(admin_client, high_quality_tags, job):
    for method, url in _curation_urls(high_quality_tags[0].id, job.id):
        if method == "get" and "revert" not in url:
            assert admin_client.get(url).status_code == 200, url


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/tags/merge/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "sign" in response["Location"]


def test_the_lead_list_offers_tagging_its_clusters_to_admins_only(
    admin_client, manager_client, mirror
):
    link = "/tags/bulk/?state=new"
    assert link in admin_client.get("/leads/", {"state": "new"}).content.decode()
    assert "/tags/bulk/" not in manager_client.get("/leads/", {"state": "new"}).content.decode()
