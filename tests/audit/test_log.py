"""The audit log at /audit/: what was changed, by whom, filterable, and as CSV."""

import csv
import io

from django.utils import timezone

from dealeradmin.audit.models import PENDING_TOO_LONG, AuditEntry
from dealeradmin.audit.services import audit_finish, audit_start
from dealeradmin.dealerstudio import errors
from tests.audit.conftest import entry


def _ids(response) -> list[int]:
    return [entry.id for entry in response.context["page"].object_list]


def test_a_manager_sees_every_entry_of_their_dealership_newest_first(manager_client, audit_entries):
    response = manager_client.get("/audit/")
    assert response.status_code == 200
    e = audit_entries
    assert _ids(response) == [e["failed"].id, e["third"].id, e["second"].id, e["first"].id]


def test_an_admin_sees_both_dealerships(admin_client, audit_entries):
    assert len(_ids(admin_client.get("/audit/"))) == 5


def test_it_shows_old_and_new_values_in_peoples_terms(manager_client, audit_entries):
    html = manager_client.get("/audit/").content.decode()
    assert '<td class="old">new</td>' in html
    assert '<td class="new">contacted</td>' in html
    assert '<td class="new">VIP, =HYPERLINK(1)</td>' in html
    assert "DealerStudio is not answering." in html


def test_times_are_in_the_dealerships_zone_with_the_exact_time_on_hover(
    manager_client, audit_entries
):
    html = manager_client.get("/audit/").content.decode()
    assert '<time datetime="2026-03-09T23:00:00Z" title="Tue 10 Mar 2026, 9:00:00 a.m. AEST' in html


def test_filters_narrow_by_person_cluster_action_and_date(manager_client, manager, audit_entries):
    e = audit_entries
    assert _ids(manager_client.get("/audit/", {"cluster": 5001})) == [e["third"].id, e["first"].id]
    assert _ids(manager_client.get("/audit/", {"action": "board_move"})) == [e["third"].id]
    assert _ids(manager_client.get("/audit/", {"person": manager.pk})) == [
        e["third"].id,
        e["second"].id,
        e["first"].id,
    ]
    assert _ids(manager_client.get("/audit/", {"outcome": "failed"})) == [e["failed"].id]
    # Days are Brisbane days, both ends included.
    dated = manager_client.get("/audit/", {"date_from": "2026-03-11", "date_to": "2026-03-12"})
    assert _ids(dated) == [e["third"].id, e["second"].id]


def test_a_dealership_filter_applies_to_admins(admin_client, audit_entries):
    response = admin_client.get("/audit/", {"dealership": "gold-coast-auto-group"})
    assert _ids(response) == [audit_entries["gold_coast"].id]


def test_a_bad_filter_is_reported_and_ignored(manager_client, audit_entries):
    response = manager_client.get("/audit/", {"cluster": "abc"})
    assert len(_ids(response)) == 4
    assert "Cluster id: Enter a whole number." in response.content.decode()
    backwards = manager_client.get("/audit/", {"date_from": "2026-03-12", "date_to": "2026-03-10"})
    assert "The end date is before the start date." in backwards.content.decode()


def test_htmx_requests_get_only_the_results(manager_client, audit_entries):
    response = manager_client.get("/audit/", {"action": "edit"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="audit-results"')
    assert "<form" not in html


def test_pages_hold_fifty_entries(manager_client, manager, audit_entries):
    from tests.audit.conftest import entry

    for _ in range(60):
        entry(manager, at=audit_entries["first"].created_at)
    first = manager_client.get("/audit/")
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 2


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_export_streams_the_filtered_entries(manager_client, audit_entries):
    response = manager_client.get("/audit/export.csv", {"cluster": 5001})
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert [row["action"] for row in rows] == ["Board move", "Edit"]
    assert rows[1]["time"] == "2026-03-10T09:00:00+10:00"
    assert rows[1]["time_utc"] == "2026-03-09T23:00:00+00:00"
    assert rows[1]["changes"] == "Lead state: new → contacted"
    assert rows[1]["person"] == "manager"
    assert rows[1]["dealership"] == "Brisbane City Motors"


def test_format_csv_on_the_log_url_is_the_same_export(manager_client, audit_entries):
    assert len(_csv(manager_client.get("/audit/", {"format": "csv"}))) == 4


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(
    manager_client, manager, audit_entries
):
    from tests.audit.conftest import entry

    made = entry(manager, at=audit_entries["first"].created_at, cluster_id=5009)
    AuditEntry.objects.filter(pk=made.pk).update(changes={"=cmd|x": [None, "1"]})
    AuditEntry.objects.filter(actor=manager).update(actor_name="@evil")
    rows = _csv(manager_client.get("/audit/export.csv", {"person": manager.pk}))
    assert all(row["person"] == "'@evil" for row in rows)
    (row,) = [row for row in rows if row["cluster_id"] == "5009"]
    assert row["changes"] == "'=cmd|x: — → 1"


def test_other_dealerships_entries_never_reach_the_csv(manager_client, audit_entries):
    rows = _csv(manager_client.get("/audit/export.csv"))
    assert "6001" not in {row["cluster_id"] for row in rows}


def test_the_outcome_unknown_filter_finds_what_the_log_labels_so(manager_client, manager):
    now = timezone.now()
    stale = audit_start(
        actor=manager, action="edit", dealership_id=101, cluster_id=5001, changes={}
    )
    AuditEntry.objects.filter(pk=stale.pk).update(created_at=now - PENDING_TOO_LONG * 2)
    waiting = audit_start(
        actor=manager, action="edit", dealership_id=101, cluster_id=5002, changes={}
    )
    timed_out = entry(manager, at=now, cluster_id=5003)
    audit_finish(timed_out, error=errors.TimedOut(errors.TIMED_OUT))

    unknown = manager_client.get("/audit/", {"outcome": "unknown"})
    assert sorted(_ids(unknown)) == sorted([stale.id, timed_out.id])
    assert unknown.content.decode().count(">Outcome unknown<") >= 2
    assert _ids(manager_client.get("/audit/", {"outcome": "pending"})) == [waiting.id]
