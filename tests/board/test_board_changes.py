"""An open board polls for what changed since it last looked, and catches up."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dealeradmin.clusters.ingest import ingest_payload
from dealeradmin.clusters.models import LeadCluster
from tests.board.helpers import HTMX, card_column, header_count


@pytest.fixture(autouse=True)
def _mirror_filled_an_hour_ago(mirror):
    LeadCluster.objects.update(synced_at=timezone.now() - timedelta(hours=1))


def _since(html: str) -> str:
    return re.search(r"since=([0-9.]+)", html).group(1)


def _webhook_moves(sandbox, cluster: LeadCluster, assignee_id: int) -> None:
    """What DealerStudio's webhook would deliver after someone reassigned `cluster` there."""
    payload = next(
        json.loads(line)
        for line in sandbox.export_jsonl().splitlines()
        if line.strip() and json.loads(line)["Id"] == cluster.id
    )
    payload["assigned_salesperson"] = {"id": assignee_id, "name": "Priya Sharma"}
    payload["modified"] = "2099-01-01T00:00:00+10:00"
    ingest_payload(payload)


def test_a_change_from_a_webhook_reaches_the_open_board(manager_client, sandbox):
    since = _since(manager_client.get("/board/").content.decode())
    cluster = LeadCluster.objects.filter(dealership_id=101, assignee_id=1001).first()
    time.sleep(0.01)  # the change must be later than the board's clock reading
    _webhook_moves(sandbox, cluster, 1003)

    response = manager_client.get(f"/board/changes/?since={since}", **HTMX)
    html = response.content.decode()
    assert card_column(html, cluster.id) == "1003"
    assert header_count(html, "1003") == LeadCluster.objects.filter(assignee_id=1003).count()
    assert float(_since(html)) > float(since)
    assert 'id="board-poll" hidden data-keep-messages hx-swap-oob="true"' in html


def test_nothing_changed_means_nothing_to_do(manager_client, sandbox):
    html = manager_client.get("/board/").content.decode()
    later = f"{float(_since(html)) + 10:.6f}"
    response = manager_client.get(f"/board/changes/?since={later}", **HTMX).content.decode()
    assert "<article" not in response and "column-head" not in response


def test_a_change_that_leaves_the_filter_removes_the_card(manager_client, sandbox):
    since = _since(manager_client.get("/board/?assignee=1001").content.decode())
    cluster = LeadCluster.objects.filter(dealership_id=101, assignee_id=1001).first()
    time.sleep(0.01)
    _webhook_moves(sandbox, cluster, 1003)
    html = manager_client.get(
        f"/board/changes/?assignee=1001&since={since}", **HTMX
    ).content.decode()
    assert f'data-remove-card="{cluster.id}"' in html
    assert card_column(html, cluster.id) is None


def test_a_flood_of_changes_reloads_the_board_instead(manager_client, sandbox):
    since = _since(manager_client.get("/board/").content.decode())
    LeadCluster.objects.update(synced_at=timezone.now() + timedelta(seconds=1))
    response = manager_client.get(f"/board/changes/?since={since}", **HTMX)
    assert response["HX-Refresh"] == "true"
