"""Bulk assignment: one PUT per cluster, each outcome reported, failures left selected."""

import re

import pytest

from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.models import LeadCluster
from tests.board.helpers import HTMX, card_column, message
from tests.conftest import BRISBANE


@pytest.fixture(autouse=True)
def _one_attempt(settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0


def _pick(n: int, **where) -> list[LeadCluster]:
    return list(LeadCluster.objects.filter(dealership_id=101, **where).order_by("id")[:n])


def _bulk(client, clusters, to: str, query: str = ""):
    data = {"selected": [c.id for c in clusters], "to": to}
    return client.post(f"/board/bulk/?{query}", data, **HTMX)


def test_five_cards_are_assigned_with_one_put_each_holding_only_the_assignee(
    manager_client, sandbox
):
    clusters = _pick(5, assignee_id=1002)
    response = _bulk(manager_client, clusters, "user:1001")

    assert response.status_code == 200
    bodies = {int(p["path"].rsplit("/", 1)[1]): p["body"] for p in sandbox.requests("PUT")}
    assert bodies == {c.id: {"lead_cluster": {"user_id": 1001}} for c in clusters}
    html = response.content.decode()
    assert all(card_column(html, c.id) == "1001" for c in clusters)
    assert html.count('class="result-ok"') == 5
    assert message(response) == {
        "text": "Updated 5 of 5 selected lead clusters.",
        "level": "success",
    }
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BULK_ASSIGN).count() == 5


def test_a_failure_is_reported_for_its_cluster_and_stays_selected(manager_client, sandbox):
    clusters = _pick(3, assignee_id=1002)
    refused = clusters[1]
    sandbox.inject_fault(
        method="PUT", path=f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{refused.id}", status=403
    )
    response = _bulk(manager_client, clusters, "user:1003")

    html = response.content.decode()
    assert html.count('class="result-failed"') == 1
    assert re.search(rf'result-failed">.*?#{refused.id} — .*?denied access', html, re.S)
    checked = set(re.findall(r'value="(\d+)" form="bulk-form"\s+aria-label="[^"]*" checked', html))
    assert checked == {str(refused.id)}
    assert card_column(html, refused.id) == "1002"
    assert card_column(html, clusters[0].id) == "1003"
    assert message(response)["text"] == (
        "Updated 2 of 3 selected lead clusters; 1 failed (still selected)."
    )


def test_a_state_can_be_set_in_bulk(manager_client, sandbox):
    clusters = _pick(2, lead_state="new")
    _bulk(manager_client, clusters, "state:lost")
    assert [p["body"] for p in sandbox.requests("PUT")] == [
        {"lead_cluster": {"lead_state": "lost"}}
    ] * 2


def test_a_cluster_of_another_dealership_in_the_selection_is_a_404(manager_client, sandbox):
    clusters = _pick(2) + list(LeadCluster.objects.filter(dealership_id=202)[:1])
    assert _bulk(manager_client, clusters, "user:1001").status_code == 404
    assert sandbox.requests("PUT") == []


def test_unassigning_in_bulk_is_not_offered(manager_client, sandbox):
    response = _bulk(manager_client, _pick(2), "user:none")
    assert message(response)["text"].startswith("Choose a salesperson or a state")
    assert sandbox.requests("PUT") == []


def test_nothing_selected_says_so(manager_client, sandbox):
    response = manager_client.post("/board/bulk/", {"to": "user:1001"}, **HTMX)
    assert message(response) == {"text": "Select at least one card first.", "level": "error"}
