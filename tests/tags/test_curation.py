"""Previews, typed confirmation for large deletes, renames that merge, bulk add and remove."""

import pytest

from dealeradmin.clusters.models import ClusterTag, LeadCluster, Tag
from dealeradmin.tags.catalogue import catalogue_rows
from dealeradmin.tags.forms import LARGE_DELETE, TYPE_NAME
from dealeradmin.tags.models import TagJob

from .conftest import BRISBANE_ID, HIGH_QUALITY, merge_data


def _clusters_with_any(names: list[str], dealership_id: int = BRISBANE_ID) -> set[int]:
    return set(
        ClusterTag.objects.filter(
            tag__name__in=names, tag__dealership_id=dealership_id
        ).values_list("cluster_id", flat=True)
    )


def test_the_merge_preview_counts_every_cluster_that_changes_per_dealership(
    admin_client, high_quality_tags
):
    response = admin_client.get("/tags/merge/", merge_data(high_quality_tags, "High Quality Lead"))
    preview = response.context["preview"]
    # Clusters holding only the kept spelling do not change.
    only_kept = _clusters_with_any(["High Quality Lead"]) - _clusters_with_any(HIGH_QUALITY[1:])
    assert preview.total == len(_clusters_with_any(HIGH_QUALITY) - only_kept)
    assert [(str(d), n) for d, n in preview.per_dealership] == [
        ("Brisbane City Motors", preview.total)
    ]
    assert 0 < len(preview.sample) <= 8
    assert "will change" in response.content.decode()


def test_the_first_look_at_a_merge_suggests_the_most_used_spelling(admin_client, high_quality_tags):
    response = admin_client.get("/tags/merge/", {"tag": [t.id for t in high_quality_tags]})
    counts = {t.name: t.cluster_links.count() for t in high_quality_tags}
    assert response.context["form"]["target"].value() == max(counts, key=counts.get).strip()


def test_renaming_into_an_existing_name_is_shown_as_a_merge(admin_client, mirror):
    lower = Tag.objects.get(dealership_id=BRISBANE_ID, name="finance")
    response = admin_client.get(f"/tags/{lower.id}/rename/", {"target": "Finance"})
    assert response.context["preview"].total == len(_clusters_with_any(["finance"]))
    assert "already exists in Brisbane City Motors" in response.content.decode()


def test_a_rename_to_the_same_name_is_refused(admin_client, mirror):
    vip = Tag.objects.get(dealership_id=BRISBANE_ID, name="VIP")
    response = admin_client.get(f"/tags/{vip.id}/rename/", {"target": " VIP "})
    assert response.context["preview"] is None
    assert "already its name" in response.content.decode()


@pytest.mark.parametrize("target", ["Hot\r\nLead", "Hot\nLead", "Hot\tLead"])
def test_a_new_tag_name_with_a_line_break_or_control_character_is_refused(
    admin_client, mirror, target
):
    # The edit form holds one tag per line: "Hot\nLead" would come back from it as two tags.
    vip = Tag.objects.get(dealership_id=BRISBANE_ID, name="VIP")
    response = admin_client.get(f"/tags/{vip.id}/rename/", {"target": target})
    assert response.context["preview"] is None
    assert "A tag name is one line" in response.content.decode()
    assert not TagJob.objects.exists()


@pytest.mark.usefixtures("transactional_db")
def test_a_large_delete_needs_the_tag_name_typed(admin_client, sandbox, mirror):
    row = catalogue_rows([BRISBANE_ID], sort="-clusters")[0]
    vip = Tag.objects.get(pk=row.id)
    count = len(_clusters_with_any([vip.name]))
    assert count >= LARGE_DELETE
    preview = admin_client.get("/tags/delete/", {"tag": vip.id})
    assert preview.context["needs_confirmation"]

    data = {"tag": vip.id, "expected": count, "confirm": vip.name.upper() + "?"}
    refused = admin_client.post("/tags/delete/", data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["confirm"] == [TYPE_NAME]
    assert not TagJob.objects.exists()

    accepted = admin_client.post("/tags/delete/", {**data, "confirm": vip.name})
    job = TagJob.objects.get()
    assert accepted["Location"] == f"/tags/jobs/{job.id}/"
    assert job.kind == TagJob.Kind.DELETE and job.total == count
    assert all(vip.name not in item.new_tags for item in job.items.all())


@pytest.mark.usefixtures("transactional_db")
def test_a_small_delete_runs_without_typing(admin_client, sandbox, mirror):
    fleet = Tag.objects.get(dealership_id=BRISBANE_ID, name="Fleet")
    count = len(_clusters_with_any(["Fleet"]))
    assert 0 < count < LARGE_DELETE
    response = admin_client.post("/tags/delete/", {"tag": fleet.id, "expected": count})
    assert response.status_code == 302


@pytest.mark.usefixtures("transactional_db")
def test_bulk_add_plans_only_clusters_without_the_tag(admin_client, sandbox, mirror):
    chosen = list(
        LeadCluster.objects.filter(dealership_id=BRISBANE_ID).values_list("id", flat=True)[:10]
    )
    page = admin_client.get("/tags/bulk/", {"dealership": "brisbane-city-motors", "state": "new"})
    assert page.status_code == 200
    assert (
        page.context["count"]
        == LeadCluster.objects.filter(dealership_id=BRISBANE_ID, lead_state="new").count()
    )
    response = admin_client.post(
        "/tags/bulk/", {"action": "add", "name": " Spring promo ", "cluster": chosen}
    )
    job = TagJob.objects.get()
    assert response["Location"] == f"/tags/jobs/{job.id}/"
    assert job.total == 10
    assert all(item.new_tags == [*item.old_tags, "Spring promo"] for item in job.items.all())


def test_bulk_refuses_clusters_outside_the_admins_dealerships(admin_client, mirror):
    response = admin_client.post("/tags/bulk/", {"action": "add", "name": "X", "cluster": [1]})
    assert response.status_code == 200
    assert not TagJob.objects.exists()
