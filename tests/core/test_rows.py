"""The direct SELECT, INSERT and UPDATE statements read and store what the ORM would have."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dealeradmin.clusters.models import ClusterStory, LeadCluster, StatusOptionLabel, Tag
from dealeradmin.core.rows import (
    create_row,
    insert_row,
    insert_rows,
    instances_read,
    read_all,
    rows_read,
    select_rows,
    update_row,
    update_write,
    with_one_read,
    write_all,
)

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


def test_selected_values_read_as_the_orm_reads_them():
    insert_row(
        LeadCluster(
            id=79, dealership_id=101, approved=True, modified=CREATED, car_ids=[4], lead_state="new"
        )
    )
    names = ("modified", "approved", "car_ids", "assignee_id", "lead_state")

    selected = select_rows(LeadCluster, names, {"id": 79}, for_update=True)

    assert selected == list(LeadCluster.objects.filter(pk=79).values_list(*names))
    assert selected == [(CREATED, True, [4], None, "new")]


def test_a_list_selects_the_rows_holding_any_of_its_values_in_order():
    tags = [
        Tag(dealership_id=101, name=name, key=name.lower())
        for name in ("Row Cold", "Row Hot", "Row VIP")
    ]
    insert_rows(tags)  # automatic primary keys, left to the database

    stored = dict(Tag.objects.filter(dealership_id=101).values_list("name", "id"))
    wanted = {"dealership_id": 101, "name": ["Row VIP", "Row Hot", "Nowhere"]}
    assert select_rows(Tag, ("name", "id"), wanted, order_by=("name",)) == [
        ("Row Hot", stored["Row Hot"]),
        ("Row VIP", stored["Row VIP"]),
    ]
    assert select_rows(Tag, ("name",), {"name": []}) == []


def test_an_insert_can_end_in_an_on_conflict_clause():
    insert_row(StatusOptionLabel(dealership_id=101, option_id=5, name=""))
    keep_first_name = (
        "ON CONFLICT (dealership_id, option_id) DO UPDATE SET name = excluded.name "
        "WHERE clusters_statusoptionlabel.name = ''"
    )
    insert_row(
        StatusOptionLabel(dealership_id=101, option_id=5, name="Won"), on_conflict=keep_first_name
    )
    insert_row(
        StatusOptionLabel(dealership_id=101, option_id=5, name="Lost"), on_conflict=keep_first_name
    )

    assert list(
        StatusOptionLabel.objects.filter(dealership_id=101, option_id=5).values_list(
            "name", flat=True
        )
    ) == ["Won"]


def test_a_guarded_update_sets_its_fields_only_while_the_guard_still_holds():
    insert_row(LeadCluster(id=81, dealership_id=101, version=3))
    stamp = datetime(2026, 12, 4, 1, 2, 3, tzinfo=UTC)

    update_row(
        LeadCluster,
        81,
        {"lead_state": "won"},
        increment=("version",),
        unless_changed=("version", 2, {"written_by_us_at": stamp}),
    )
    cluster = LeadCluster.objects.get(pk=81)
    assert (cluster.lead_state, cluster.version, cluster.written_by_us_at) == ("won", 4, None)

    update_row(
        LeadCluster,
        81,
        {},
        increment=("version",),
        unless_changed=("version", 4, {"written_by_us_at": stamp}),
    )
    cluster = LeadCluster.objects.get(pk=81)
    assert (cluster.version, cluster.written_by_us_at) == (5, stamp)  # the guard saw the old 4


def test_a_created_row_gets_the_key_the_database_chose():
    first = create_row(Tag(dealership_id=101, name="Row first", key="row first"))
    second = create_row(Tag(dealership_id=101, name="Row second", key="row second"))
    assert second.pk > first.pk and not second._state.adding
    assert Tag.objects.get(pk=second.pk).name == "Row second"


def test_reads_run_together_load_what_each_would_load_alone_in_order():
    insert_row(LeadCluster(id=81, dealership_id=101, modified=CREATED, lead_state="new"))
    insert_row(ClusterStory(cluster_id=81, leads=[{"id": 7}]))
    insert_rows([Tag(dealership_id=9101, name=name, key=name) for name in ("b", "a")])
    reads = [
        rows_read(Tag, ("name",), {"dealership_id": 9101}, order_by=("name",)),
        rows_read(Tag, ("name",), {"name": []}),  # matches nothing: never sent
        with_one_read(LeadCluster, ClusterStory, "cluster", {"id": 81}),
        instances_read(LeadCluster, ("id", "modified"), {"id": [81, 404]}),
    ]

    names, nothing, with_story, clusters = read_all(reads)

    assert names == [("a",), ("b",)] and nothing == []
    [(cluster, story)] = with_story
    assert (cluster.lead_state, story.leads) == ("new", [{"id": 7}])
    assert [(c.id, c.modified) for c in clusters] == [(81, CREATED)]


def test_on_postgresql_reads_run_together_share_one_round_trip():
    """One pipeline on PostgreSQL (each statement still counted as a query); elsewhere one
    after another."""
    in_pipeline = []

    def note_pipeline(execute, sql, params, many, context):
        raw = connection.connection
        in_pipeline.append(getattr(raw, "_pipeline", None) is not None)
        return execute(sql, params, many, context)

    reads = [rows_read(Tag, ("name",), {"dealership_id": n}) for n in (9101, 9102, 9103)]
    with connection.execute_wrapper(note_pipeline), CaptureQueriesContext(connection) as queries:
        assert read_all(reads) == [[], [], []]

    assert len(queries) == 3
    assert in_pipeline == [connection.vendor == "postgresql"] * 3


def test_writes_run_together_give_the_rows_each_changed_and_share_one_round_trip():
    insert_row(LeadCluster(id=82, dealership_id=101, lead_state="new"))
    in_pipeline = []

    def note_pipeline(execute, sql, params, many, context):
        if sql.startswith("UPDATE"):  # not the savepoint around them
            in_pipeline.append(getattr(connection.connection, "_pipeline", None) is not None)
        return execute(sql, params, many, context)

    writes = [
        update_write(LeadCluster, 82, {"lead_state": "lost"}, increment=("version",)),
        update_write(LeadCluster, 404, {"lead_state": "lost"}),
        update_write(LeadCluster, 82, {"contact_name": "Ann"}),
    ]
    with connection.execute_wrapper(note_pipeline), transaction.atomic():
        assert write_all(writes) == [1, 0, 1]

    cluster = LeadCluster.objects.get(pk=82)
    assert (cluster.lead_state, cluster.version, cluster.contact_name) == ("lost", 2, "Ann")
    assert in_pipeline == [connection.vendor == "postgresql"] * 3
