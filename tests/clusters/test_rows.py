"""The webhook's direct INSERT and UPDATE store what the ORM would have stored."""

from datetime import UTC, datetime

import pytest

from dealeradmin.clusters.models import ClusterStory, LeadCluster
from dealeradmin.clusters.rows import insert_row, update_row

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 12, 3, 4, 5, 6, 789000, tzinfo=UTC)


def test_an_inserted_row_reads_back_as_written_with_defaults_filled_in():
    insert_row(
        LeadCluster(id=77, dealership_id=101, contact_name="Zoë 'Z' O\"Neil", car_ids=[3, 1])
    )
    insert_row(ClusterStory(cluster_id=77, leads=[{"id": 1, "note": "a\nb"}]))

    cluster = LeadCluster.objects.get(pk=77)
    assert (cluster.contact_name, cluster.car_ids) == ("Zoë 'Z' O\"Neil", [3, 1])
    assert cluster.version == 1 and cluster.delivered_tags_digest == ""
    assert cluster.synced_at is not None  # auto_now
    assert cluster.story.leads == [{"id": 1, "note": "a\nb"}]
    assert cluster.story.lead_events == []


def test_an_update_sets_the_values_and_increments_the_named_fields():
    insert_row(LeadCluster(id=78, dealership_id=101, assignee_id=5, created=CREATED))

    changed = update_row(
        LeadCluster,
        78,
        {"assignee_id": None, "car_ids": [9], "modified": CREATED, "lead_state": "won"},
        increment=("version",),
    )

    cluster = LeadCluster.objects.get(pk=78)
    assert changed == 1
    assert cluster.assignee_id is None and cluster.car_ids == [9]
    assert cluster.modified == cluster.created == CREATED
    assert (cluster.lead_state, cluster.version) == ("won", 2)


def test_an_update_of_a_missing_row_changes_nothing():
    stories = list(ClusterStory.objects.values_list("pk", "leads"))
    assert update_row(ClusterStory, 404, {"leads": []}) == 0
    assert list(ClusterStory.objects.values_list("pk", "leads")) == stories
