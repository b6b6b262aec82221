"""Moving one card: one PUT of only the changed field, or the card put back with the reason."""

import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from dealeradmin.audit.models import AuditEntry
from dealeradmin.board.services import BEING_SAVED, MAYBE_MOVED, TOKEN_REFUSED
from dealeradmin.clusters.forms import NO_UNASSIGN
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.dealerstudio import errors
from tests.board.helpers import HTMX, card_column, header_count, message, move
from tests.clusters.helpers import edit_url, open_edit
from tests.conftest import BRISBANE, GOLD_COAST

SARAH, JAMES = 1001, 1002


@pytest.fixture(autouse=True)
def _one_attempt(settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0


def _sarahs():
    return LeadCluster.objects.filter(dealership_id=101, assignee_id=SARAH).first()


def _count(**where) -> int:
    return LeadCluster.objects.filter(dealership_id=101, **where).count()


def test_a_move_sends_one_put_with_only_the_assignee_and_updates_both_columns(
    manager_client, sandbox
):
    cluster = _sarahs()
    response = move(manager_client, cluster, JAMES, seen=SARAH)

    assert response.status_code == 200
    puts = sandbox.requests(method="PUT")
    assert [(p["path"], p["body"]) for p in puts] == [
        (
            f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{cluster.id}",
            {"lead_cluster": {"user_id": JAMES}},
        )
    ]
    html = response.content.decode()
    assert card_column(html, cluster.id) == str(JAMES)
    assert header_count(html, str(SARAH)) == _count(assignee_id=SARAH)
    assert header_count(html, str(JAMES)) == _count(assignee_id=JAMES)
    assert 'hx-swap-oob="true"' in html
    assert message(response) == {
        "text": f"Moved {cluster.contact_name} to James O'Connor.",
        "level": "success",
    }
    assert LeadCluster.objects.get(pk=cluster.id).assignee_id == JAMES
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    assert entry.action == AuditEntry.Action.BOARD_MOVE
    assert entry.outcome == AuditEntry.Outcome.SUCCEEDED


@pytest.mark.parametrize(
    ("group", "field", "body_field", "value"),
    [
        ("state", "lead_state", "lead_state", "contacted"),
        ("location", "location_id", "location_id", 1102),
        ("status", "lead_status_option_id", "lead_status_option_id", 33),
    ],
)
def test_each_grouping_changes_only_its_own_field(
    manager_client, sandbox, group, field, body_field, value
):
    cluster = LeadCluster.objects.filter(dealership_id=101).exclude(**{field: value}).first()
    response = move(manager_client, cluster, value, query=f"group={group}")

    assert response.status_code == 200
    assert [p["body"] for p in sandbox.requests(method="PUT")] == [
        {"lead_cluster": {body_field: value}}
    ]
    assert card_column(response.content.decode(), cluster.id) == str(value)
    assert getattr(LeadCluster.objects.get(pk=cluster.id), field) == value


def test_the_unassigned_column_refuses_drops_and_sends_nothing(manager_client, sandbox):
    cluster = _sarahs()
    response = move(manager_client, cluster, "none")

    assert response.status_code == 200
    assert sandbox.requests(method="PUT") == []
    assert card_column(response.content.decode(), cluster.id) == str(SARAH)
    assert message(response) == {"text": NO_UNASSIGN, "level": "error"}


def test_a_salesperson_of_another_dealership_is_refused(admin_client, sandbox):
    cluster = _sarahs()
    response = move(admin_client, cluster, 2001)

    assert sandbox.requests(method="PUT") == []
    assert card_column(response.content.decode(), cluster.id) == str(SARAH)
    assert "belongs to another dealership" in message(response)["text"]


def test_a_card_that_changed_since_the_board_was_drawn_is_not_moved(manager_client, sandbox):
    cluster = _sarahs()
    response = move(manager_client, cluster, JAMES, seen=1003)

    assert sandbox.requests(method="PUT") == []
    assert card_column(response.content.decode(), cluster.id) == str(SARAH)
    assert "was changed elsewhere since the board was loaded" in message(response)["text"]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, None, errors.ACCESS_DENIED),
        (
            422,
            '{"errors": {"user_id": ["is not a member of this dealership"]}}',
            f"{errors.REJECTED} user_id: is not a member of this dealership",
        ),
        (503, None, errors.UNAVAILABLE.format(status=503)),
    ],
)
def test_a_refused_move_puts_the_card_back_and_says_why(
    manager_client, sandbox, status, body, reason
):
    cluster = _sarahs()
    fault = {"method": "PUT", "path": "/api/v1/*", "status": status}
    sandbox.inject_fault(**fault, **({"body": body} if body else {}))
    response = move(manager_client, cluster, JAMES, seen=SARAH)

    assert response.status_code == 200  # htmx 2 swaps only 2xx answers
    html = response.content.decode()
    assert card_column(html, cluster.id) == str(SARAH)
    assert header_count(html, str(SARAH)) == _count(assignee_id=SARAH)
    assert message(response) == {
        "text": f"{cluster.contact_name} was not moved: {reason}",
        "level": "error",
    }
    assert LeadCluster.objects.get(pk=cluster.id).assignee_id == SARAH
    assert len(sandbox.requests(method="PUT")) == 1
    assert AuditEntry.objects.get(cluster_id=cluster.id).outcome == AuditEntry.Outcome.FAILED


def test_a_manager_cannot_move_another_dealerships_cluster(manager_client, sandbox):
    gold_coast = LeadCluster.objects.filter(dealership_id=202).first()
    assert move(manager_client, gold_coast, 2001, slug=GOLD_COAST).status_code == 404
    assert move(manager_client, gold_coast, SARAH, slug=BRISBANE).status_code == 404
    assert sandbox.requests(method="PUT") == []


def test_moves_need_the_csrf_token(manager, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    cluster = _sarahs()
    assert move(client, cluster, JAMES).status_code == 403
    assert sandbox.requests(method="PUT") == []

    client.get("/board/")
    token = client.cookies["csrftoken"].value
    assert move(client, cluster, JAMES, HTTP_X_CSRFTOKEN=token).status_code == 200
    assert len(sandbox.requests(method="PUT")) == 1


def test_moves_are_post_only(manager_client, sandbox):
    assert manager_client.get("/board/move/", HTMX).status_code == 405


def test_without_a_token_a_move_sends_the_person_to_the_token_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="tokenless", password="x" * 20)
    client.force_login(user)
    response = client.post("/board/move/", {"cluster": 1, "dealership": BRISBANE, "to": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/token/"


def test_without_javascript_the_menu_posts_and_comes_back_to_the_same_board(
    manager_client, sandbox
):
    cluster = _sarahs()
    response = manager_client.post(
        "/board/move/?group=assignee&q=a",
        {"cluster": cluster.id, "dealership": BRISBANE, "to": JAMES},
    )
    assert response.status_code == 302
    assert response["Location"] == "/board/?group=assignee&q=a"
    assert len(sandbox.requests(method="PUT")) == 1


def test_a_move_while_the_cluster_is_being_saved_sends_nothing_and_says_so(manager_client, sandbox):
    cluster = _sarahs()
    LeadCluster.objects.filter(pk=cluster.pk).update(saving_since=timezone.now())
    response = move(manager_client, cluster, JAMES, seen=SARAH)

    assert sandbox.requests(method="PUT") == []
    assert card_column(response.content.decode(), cluster.id) == str(SARAH)
    assert message(response) == {
        "text": BEING_SAVED.format(name=cluster.contact_name),
        "level": "error",
    }
    assert not AuditEntry.objects.filter(cluster_id=cluster.id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_move_and_an_edit_save_sent_at_once_never_both_go_through(manager, admin_user, sandbox):
    """Both read the cluster before either's change was in; the sandbox holds each PUT for a
    while. Without a claim on moves both went out and the later one silently undid the other."""
    cluster = _sarahs()
    sandbox.inject_fault(method="PUT", path="/api/v1/*", delay_ms=600)
    editor, mover = Client(), Client()
    editor.force_login(manager)
    mover.force_login(admin_user)
    data = open_edit(editor, cluster, BRISBANE)
    data["user_id"] = str(1003)
    responses = {}
    start = threading.Barrier(2)

    def send(name: str, request) -> None:
        try:
            start.wait()
            responses[name] = request()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=send, args=("save", lambda: editor.post(edit_url(cluster, BRISBANE), data))
        ),
        threading.Thread(
            target=send, args=("move", lambda: move(mover, cluster, JAMES, seen=SARAH))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sandbox.requests(method="PUT")) == 1
    moved = message(responses["move"])["level"] == "success"
    saved = responses["save"].status_code == 302
    assert moved != saved  # exactly one went through; the other says why and sent nothing
    assert LeadCluster.objects.get(pk=cluster.pk).assignee_id == (JAMES if moved else 1003)
    assert LeadCluster.objects.get(pk=cluster.pk).saving_since is None


def test_a_move_whose_outcome_is_unknown_says_so_rather_than_that_it_failed(
    manager_client, sandbox, settings
):
    settings.DEALERSTUDIO_READ_TIMEOUT = 0.3
    cluster = _sarahs()
    sandbox.inject_fault(method="PUT", path="/api/v1/*", delay_ms=1200)
    response = move(manager_client, cluster, JAMES, seen=SARAH)

    assert message(response) == {
        "text": MAYBE_MOVED.format(name=cluster.contact_name, reason=errors.TIMED_OUT),
        "level": "error",
    }
    assert AuditEntry.objects.get(cluster_id=cluster.id).outcome == AuditEntry.Outcome.UNKNOWN
    _wait_for_put(sandbox)  # the held PUT must not land in the next test's log


def _wait_for_put(sandbox, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not sandbox.requests(method="PUT") and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_refused_token_asks_for_a_current_one_then_another_move(manager_client, sandbox):
    cluster = _sarahs()
    sandbox.inject_fault(method="PUT", path="/api/v1/*", status=401)
    response = move(manager_client, cluster, JAMES, seen=SARAH)

    text = message(response)["text"]
    assert text == f"{cluster.contact_name} was not moved: {TOKEN_REFUSED}"
    assert "form" not in text
