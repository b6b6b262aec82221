"""The edit page against the sandbox: every upstream failure has its own words and keeps what
the person typed, retries happen only where repeating cannot duplicate anything, every attempt is
in the audit log before it goes out, and nobody's change is silently overwritten."""

import re
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters import forms as cluster_forms
from dealeradmin.clusters import views
from dealeradmin.clusters.ingest import set_cluster_tags
from dealeradmin.clusters.models import CarInterest, LeadCluster, Tag
from dealeradmin.clusters.services import SAVE_CLAIM
from dealeradmin.dealerstudio import errors
from dealeradmin.dealerstudio.client import DealerStudioClient
from tests.clusters.helpers import add_car_row, edit_url, form_values, open_edit
from tests.conftest import BRISBANE

PUT_PATH = "/api/v1/dealerships/*/lead_clusters/*"
pytestmark = pytest.mark.usefixtures("committed_mirror")


@pytest.fixture(autouse=True)
def _short_retries(settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0.5


@pytest.fixture
def cluster(manager) -> LeadCluster:
    """A Brisbane cluster with an assignee and two cars of interest."""
    for cluster in LeadCluster.objects.filter(dealership_id=101, assignee_id__isnull=False):
        if cluster.cars.count() >= 2 and cluster.lead_state == "new":
            return cluster
    raise AssertionError("the seed has no such cluster")


def _typed(client, cluster, *, add_row: bool = True) -> dict:
    """The form as opened, with a changed state, changed tags and (by default) a new car row."""
    data = open_edit(client, cluster, BRISBANE)
    data["lead_state"] = "contacted"
    data["tags"] = "Typed tag\nAnother <b>typed</b> tag"
    if add_row:
        add_car_row(data, car_id=990001, family_id=11, manufacturer_id=1, year=2024, colour="Red")
    return data


def _kept(response, sent: dict) -> None:
    """The re-rendered form holds everything the person typed."""
    assert response.status_code == 200
    shown = form_values(response.content.decode())
    for name, value in sent.items():
        if name not in ("csrfmiddlewaretoken", "base"):
            assert shown.get(name) == value, name


def _puts(sandbox) -> list[dict]:
    return sandbox.requests(method="PUT")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAILURES = {
    "401": ({"status": 401}, errors.TOKEN_INVALID),
    "403": ({"status": 403}, errors.ACCESS_DENIED),
    "404": ({"status": 404}, errors.NOT_FOUND),
    "429-seconds": (
        {"status": 429, "headers": {"Retry-After": "30"}},
        errors.RATE_LIMITED.format(when="in 30 seconds"),
    ),
    "429-minutes": (
        {"status": 429, "headers": {"Retry-After": "300"}},
        errors.RATE_LIMITED.format(when="in about 5 minutes"),
    ),
    "429-endless": (  # too many digits for a float: read as the longest wait
        {"status": 429, "headers": {"Retry-After": "9" * 400}},
        errors.RATE_LIMITED.format(when="in about 24 hours"),
    ),
    "429-not-a-number": (  # "²" passes str.isdigit()
        {"status": 429, "headers": {"Retry-After": "²"}},
        errors.RATE_LIMITED.format(when="in a minute"),
    ),
    "500": ({"status": 500}, errors.UNAVAILABLE.format(status=500)),
    "502": ({"status": 502}, errors.UNAVAILABLE.format(status=502)),
    "503": ({"status": 503}, errors.UNAVAILABLE.format(status=503)),
    "504": ({"status": 504}, errors.UNAVAILABLE.format(status=504)),
    "500-html": (
        {"status": 500, "body": "<html><h1>Oops</h1></html>", "content_type": "text/html"},
        errors.UNAVAILABLE.format(status=500),
    ),
    "503-empty": ({"status": 503, "body": ""}, errors.UNAVAILABLE.format(status=503)),
    "422-empty": ({"status": 422, "body": ""}, errors.REJECTED),
    "418": ({"status": 418, "body": ""}, errors.UNEXPECTED.format(status=418)),
    "200-html": (
        {"status": 200, "body": "<html>Maintenance</html>", "content_type": "text/html"},
        errors.MALFORMED.format(status=200),
    ),
    "200-not-json": (
        {"status": 200, "body": "OK", "content_type": "text/plain"},
        errors.MALFORMED.format(status=200),
    ),
    "dropped": ({"status": "drop"}, errors.CONNECTION_DROPPED),
}


@pytest.mark.parametrize("name", FAILURES)
def test_each_upstream_failure_has_its_own_message_and_keeps_what_was_typed(
    manager_client, sandbox, cluster, name
):
    fault, message = FAILURES[name]
    sandbox.inject_fault(method="PUT", path=PUT_PATH, times=0, **fault)
    data = _typed(manager_client, cluster)
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    _kept(response, data)
    assert response.context["upstream_error"].message == message
    assert message in response.content.decode().replace("&#x27;", "'")
    assert len(_puts(sandbox)) == 1  # adds a car row: never repeated
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    # An unreadable 2xx, or a connection broken mid-call, may have been applied upstream.
    unknown = name in ("200-html", "200-not-json", "dropped")
    assert entry.outcome == (AuditEntry.Outcome.UNKNOWN if unknown else AuditEntry.Outcome.FAILED)
    assert entry.outcome_detail == message
    lead = "Outcome unknown." if unknown else "Not saved."
    assert f"<strong>{lead}</strong>" in response.content.decode()


def test_every_failure_message_is_different():
    messages = [message for _, message in FAILURES.values()]
    messages += [errors.CONNECTION_FAILED, errors.TIMED_OUT, errors.CONNECT_TIMED_OUT]
    distinct = {m for m in messages}
    # 500/502/503/504 share their words but name the status; 500-html, 503-empty and the
    # second 200 repeat an earlier case on purpose.
    assert len(distinct) == len(messages) - 3


def test_a_401_links_to_the_token_page(manager_client, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=401)
    response = manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster))
    assert 'href="/settings/token/"' in response.content.decode()
    assert "Update your API token" in response.content.decode()


def test_connection_refused_says_nothing_was_sent_and_keeps_the_form(
    manager_client, sandbox, cluster, settings
):
    data = _typed(manager_client, cluster)
    settings.DEALERSTUDIO_API_URL = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    _kept(response, data)
    assert response.context["upstream_error"].message == errors.CONNECTION_FAILED
    # connect errors are retried (nothing left), but only within the interactive budget
    assert time.monotonic() - started < 0.5 + 1.0


def test_a_read_timeout_says_the_outcome_is_unknown_and_keeps_the_form(
    manager_client, sandbox, cluster, settings
):
    settings.DEALERSTUDIO_READ_TIMEOUT = 0.3
    sandbox.inject_fault(method="PUT", path=PUT_PATH, delay_ms=1500)
    data = _typed(manager_client, cluster, add_row=False)
    started = time.monotonic()
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert time.monotonic() - started < 1.2  # gave up at the read timeout
    _kept(response, data)
    assert response.context["upstream_error"].message == errors.TIMED_OUT
    assert "<strong>Outcome unknown.</strong>" in response.content.decode()
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    assert entry.outcome == AuditEntry.Outcome.UNKNOWN  # it may yet be applied upstream
    _wait_for_puts(sandbox, 1)  # the held PUT must not land in the next test's log


def _wait_for_puts(sandbox, count: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(puts := _puts(sandbox)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return puts


def test_a_rejection_puts_each_reason_on_the_field_or_car_row_it_names(
    manager_client, sandbox, cluster
):
    body = (
        '{"errors": {"lead_state": ["is not included in the list"],'
        ' "car_lead_clusters_attributes[0].year": ["must be between 1900 and 2027"],'
        ' "widget": ["is odd"], "base": ["Cluster is locked"]}}'
    )
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=422, body=body)
    data = _typed(manager_client, cluster)  # the new car is form row 2, body row 0
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    _kept(response, data)
    form, cars = response.context["form"], response.context["cars"]
    assert form.errors["lead_state"] == ["is not included in the list"]
    assert cars.forms[2].errors["year"] == ["must be between 1900 and 2027"]
    assert not cars.forms[0].errors and not cars.forms[1].errors
    assert form.non_field_errors() == ["Cluster is locked", "widget: is odd"]
    html = response.content.decode()
    assert "is not included in the list" in html and "Cluster is locked" in html
    # The audit log keeps DealerStudio's reasons, not only that it refused.
    detail = AuditEntry.objects.get(cluster_id=cluster.id).outcome_detail
    assert detail.startswith(errors.REJECTED)
    assert "Cluster is locked" in detail and "lead_state: is not included in the list" in detail


def test_a_rejection_reason_nested_in_an_object_reads_as_words(manager_client, sandbox, cluster):
    body = '{"errors": {"lead_state": {"a": 1}, "base": [["Locked", {"until": "Monday"}]]}}'
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=422, body=body)
    response = manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster))
    form = response.context["form"]
    assert form.errors["lead_state"] == ["a: 1"]
    assert form.non_field_errors() == ["Locked", "until: Monday"]
    assert "{&#x27;" not in response.content.decode()


def test_a_503_once_on_a_tags_only_change_is_retried_and_saved(manager_client, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=503, times=1)
    data = _typed(manager_client, cluster, add_row=False)
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert response.status_code == 302
    assert [r["status"] for r in _puts(sandbox)] == [503, 200]
    assert AuditEntry.objects.get(cluster_id=cluster.id).outcome == AuditEntry.Outcome.SUCCEEDED


def test_a_429_with_a_short_retry_after_is_retried_when_safe(manager_client, sandbox, cluster):
    sandbox.inject_fault(
        method="PUT", path=PUT_PATH, status=429, headers={"Retry-After": "0"}, times=1
    )
    data = _typed(manager_client, cluster, add_row=False)
    assert manager_client.post(edit_url(cluster, BRISBANE), data).status_code == 302
    assert [r["status"] for r in _puts(sandbox)] == [429, 200]


def test_a_503_once_with_an_added_car_row_is_not_repeated(manager_client, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=503, times=1)
    data = _typed(manager_client, cluster)
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert response.status_code == 200
    assert response.context["upstream_error"].message == errors.UNAVAILABLE.format(status=503)
    assert [r["status"] for r in _puts(sandbox)] == [503]


@pytest.mark.parametrize("status", [500, 400])
def test_statuses_that_may_have_applied_are_never_repeated(
    manager_client, sandbox, cluster, status
):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=status, times=1)
    manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster, add_row=False))
    assert len(_puts(sandbox)) == 1


def test_retrying_stops_within_the_interactive_budget(manager_client, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=503, times=0)
    data = _typed(manager_client, cluster, add_row=False)
    started = time.monotonic()
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert time.monotonic() - started < 0.5 + 0.5
    assert response.status_code == 200
    assert 2 <= len(_puts(sandbox)) <= 3


def test_a_dropped_connection_is_never_repeated_even_on_a_repeatable_change(
    manager_client, sandbox, cluster
):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status="drop", times=1)
    response = manager_client.post(
        edit_url(cluster, BRISBANE), _typed(manager_client, cluster, add_row=False)
    )
    assert response.context["upstream_error"].message == errors.CONNECTION_DROPPED
    assert len(_puts(sandbox)) == 1


def test_a_process_dying_mid_call_mocked_leaves_an_entry_shown_as_outcome_unknown(
    manager_client, sandbox, cluster, monkeypatch
):
    """Mocks the client to die (SystemExit, as a killed worker would) in the middle of the call."""

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(DealerStudioClient, "update_lead_cluster", die)
    with pytest.raises(SystemExit):
        manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster))
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    assert entry.outcome == AuditEntry.Outcome.PENDING
    monkeypatch.undo()

    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    assert "has an unknown outcome" not in page  # still within the two minutes
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    assert "has an unknown outcome" in page
    assert "Outcome unknown" in page

    data = _typed(manager_client, cluster, add_row=False)
    assert manager_client.post(edit_url(cluster, BRISBANE), data).status_code == 302
    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    assert "has an unknown outcome" not in page  # a later save went through: its values show
    assert "Outcome unknown" in page  # the history still says it of that one


def test_a_blank_assignee_is_never_sent(manager_client, sandbox, manager):
    unassigned = LeadCluster.objects.filter(dealership_id=101, assignee_id__isnull=True).first()
    data = open_edit(manager_client, unassigned, BRISBANE)
    assert data["user_id"] == ""
    data["lead_state"] = "lost" if unassigned.lead_state != "lost" else "new"
    assert manager_client.post(edit_url(unassigned, BRISBANE), data).status_code == 302
    (put,) = _puts(sandbox)
    assert "user_id" not in put["body"]["lead_cluster"]


def test_blanking_an_assignee_is_refused_before_anything_is_sent(manager_client, sandbox, cluster):
    data = open_edit(manager_client, cluster, BRISBANE)
    data["user_id"] = ""
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert response.context["form"].errors["user_id"] == [cluster_forms.NO_UNASSIGN]
    assert not _puts(sandbox)


# Concurrent edits: `manager` opened the form; `admin_client` (another person) saved meanwhile.


def _other_person_saves(admin_client, cluster, **changes) -> None:
    data = open_edit(admin_client, cluster, BRISBANE)
    data.update(changes)
    assert admin_client.post(edit_url(cluster, BRISBANE), data).status_code == 302


def test_a_clash_on_the_same_field_is_shown_side_by_side_and_nothing_is_sent(
    manager_client, admin_client, sandbox, cluster
):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost")
    mine["lead_state"] = "converted"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    assert response.status_code == 200
    assert len(_puts(sandbox)) == 1  # only the other person's
    clashes = response.context["clashes"]
    assert [c["name"] for c in clashes] == ["lead_state"]
    html = response.content.decode()
    assert views.CLASH.replace("'", "&#x27;") in html
    clash_row = html.split('name="clash_lead_state"', 1)[1]
    assert "Lost" in clash_row.split("</tr>")[0]  # theirs
    assert "Converted" in clash_row.split("</tr>")[0]  # yours
    assert form_values(html)["lead_state"] == "converted"  # what I typed is kept


def test_the_same_value_saved_meanwhile_is_no_clash(manager_client, admin_client, sandbox, cluster):
    """As after one's own save timed out but went through: saving it again is not a clash."""
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost", tags="Meanwhile")
    mine["lead_state"] = "lost"
    mine["tags"] = "Mine"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    clashes = response.context["clashes"] if response.status_code == 200 else []
    assert [c["name"] for c in clashes] == ["tags"]  # a different value: still a clash


def test_a_car_row_removed_meanwhile_does_not_block_saving_other_fields(
    manager_client, admin_client, sandbox, cluster
):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, **{"cars-0-DELETE": "on"})
    mine["lead_state"] = "lost"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    assert response.status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"lead_state": "lost"}}


def test_changing_a_car_row_removed_meanwhile_is_a_clash(
    manager_client, admin_client, sandbox, cluster
):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, **{"cars-0-DELETE": "on"})
    mine["cars-0-colour"] = "Teal"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    assert [c["name"] for c in response.context["clashes"]] == ["cars"]
    assert len(_puts(sandbox)) == 1  # only the other person's


def test_a_clash_over_a_car_badge_shows_both_badges(manager_client, admin_client, sandbox, cluster):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, **{"cars-0-badge": "Theirs GT"})
    mine["cars-0-badge"] = "Mine RS"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    [clash] = response.context["clashes"]
    assert "Theirs GT" in clash["theirs"] and "Theirs GT" not in clash["mine"]
    assert "Mine RS" in clash["mine"] and "Mine RS" not in clash["theirs"]


def test_an_invalid_save_in_the_board_panel_says_so_in_the_panel_not_on_the_next_page(
    manager_client, sandbox, cluster
):
    data = open_edit(manager_client, cluster, BRISBANE)
    data["cars-0-year"] = "1800"
    response = manager_client.post(edit_url(cluster, BRISBANE), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert views.FIX_ERRORS in response.content.decode()
    assert views.FIX_ERRORS not in manager_client.get("/leads/").content.decode()
    assert not _puts(sandbox)


def test_each_help_text_is_the_description_its_field_points_to(manager_client, cluster):
    html = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described
    for ids in described:
        for element_id in ids.split():
            assert f'id="{element_id}"' in html, element_id


def test_choosing_mine_in_a_clash_sends_mine(manager_client, admin_client, sandbox, cluster):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost")
    mine["lead_state"] = "converted"
    again = form_values(manager_client.post(edit_url(cluster, BRISBANE), mine).content.decode())
    again["clash_lead_state"] = "mine"
    assert manager_client.post(edit_url(cluster, BRISBANE), again).status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"lead_state": "converted"}}


def test_choosing_theirs_in_a_clash_keeps_theirs_and_sends_the_rest(
    manager_client, admin_client, sandbox, cluster
):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost")
    mine["lead_state"] = "converted"
    mine["tags"] = "Mine only"
    again = form_values(manager_client.post(edit_url(cluster, BRISBANE), mine).content.decode())
    again["clash_lead_state"] = "theirs"
    assert manager_client.post(edit_url(cluster, BRISBANE), again).status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"tags": ["Mine only"]}}
    assert LeadCluster.objects.get(pk=cluster.pk).lead_state == "lost"


def test_settling_a_clash_never_overwrites_their_other_fields(
    manager_client, admin_client, sandbox, cluster
):
    """They changed the state and the tags; I changed only the state. Keeping my state must not
    send my stale view of the tags back."""
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost", tags="Theirs")
    mine["lead_state"] = "converted"
    again = form_values(manager_client.post(edit_url(cluster, BRISBANE), mine).content.decode())
    again["clash_lead_state"] = "mine"
    assert manager_client.post(edit_url(cluster, BRISBANE), again).status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"lead_state": "converted"}}
    assert LeadCluster.objects.get(pk=cluster.pk).tag_names() == ["Theirs"]


def test_a_kept_theirs_stays_kept_when_another_clash_follows(
    manager_client, admin_client, sandbox, cluster
):
    """I keep their state; a second clash (on the tags) re-shows the form, which must now show
    their state, so the next save does not quietly send mine after all."""
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost", tags="Theirs")
    mine["lead_state"] = "converted"
    again = form_values(manager_client.post(edit_url(cluster, BRISBANE), mine).content.decode())
    again["clash_lead_state"] = "theirs"
    again["tags"] = "Mine"
    third = manager_client.post(edit_url(cluster, BRISBANE), again)
    assert [c["name"] for c in third.context["clashes"]] == ["tags"]
    shown = form_values(third.content.decode())
    assert shown["lead_state"] == "lost" and "clash_lead_state" not in shown
    assert manager_client.post(edit_url(cluster, BRISBANE), shown).status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"tags": ["Mine"]}}


def test_a_change_to_a_field_nobody_else_touched_saves_without_asking(
    manager_client, admin_client, sandbox, cluster
):
    mine = open_edit(manager_client, cluster, BRISBANE)
    _other_person_saves(admin_client, cluster, lead_state="lost")
    mine["tags"] = "Only mine"
    assert manager_client.post(edit_url(cluster, BRISBANE), mine).status_code == 302
    assert _puts(sandbox)[-1]["body"] == {"lead_cluster": {"tags": ["Only mine"]}}
    refreshed = LeadCluster.objects.get(pk=cluster.pk)
    assert refreshed.lead_state == "lost" and refreshed.tag_names() == ["Only mine"]


def test_a_webhook_changing_the_same_field_also_counts_as_a_clash(manager_client, sandbox, cluster):
    mine = open_edit(manager_client, cluster, BRISBANE)
    LeadCluster.objects.filter(pk=cluster.pk).update(lead_state="invalid")
    mine["lead_state"] = "converted"
    response = manager_client.post(edit_url(cluster, BRISBANE), mine)
    assert [c["name"] for c in response.context["clashes"]] == ["lead_state"]
    assert not _puts(sandbox)


# Last in the file: a transactional test empties the committed mirror when it ends.
@pytest.mark.django_db(transaction=True)
def test_the_audit_entry_is_written_before_the_put_leaves(manager, sandbox, cluster):
    """The PUT is held for a second by the sandbox; meanwhile another thread (its own database
    connection) already finds the pending audit entry, and the sandbox has not answered yet."""
    sandbox.inject_fault(method="PUT", path=PUT_PATH, delay_ms=1500)
    client = Client()
    client.force_login(manager)
    data = _typed(client, cluster, add_row=False)
    result = {}

    def save() -> None:
        try:
            result["response"] = client.post(edit_url(cluster, BRISBANE), data)
        finally:
            connections.close_all()  # the thread's own; left open, it outlives the test database

    saving = threading.Thread(target=save)
    saving.start()
    deadline = time.monotonic() + 1.2
    seen = None
    while time.monotonic() < deadline and seen is None:
        seen = AuditEntry.objects.filter(cluster_id=cluster.id).first()
        time.sleep(0.02)
    in_flight = not _puts(sandbox)  # the sandbox logs a request once it has answered it
    saving.join()
    assert seen is not None and seen.outcome == AuditEntry.Outcome.PENDING
    assert seen.request_body == {
        "lead_cluster": {
            "lead_state": "contacted",
            "tags": ["Typed tag", "Another <b>typed</b> tag"],
        }
    }
    assert in_flight
    assert result["response"].status_code == 302
    seen.refresh_from_db()
    assert seen.outcome == AuditEntry.Outcome.SUCCEEDED and seen.finished_at


@pytest.mark.django_db(transaction=True)
def test_two_saves_sent_at_once_never_both_go_through(manager, admin_user, sandbox, cluster):
    """Both opened the form before either saved; the sandbox holds each PUT for a while.
    Without a claim both checked for clashes before either's change was in, and the later
    PUT silently undid the earlier one's tags."""
    sandbox.inject_fault(method="PUT", path=PUT_PATH, delay_ms=600)
    clients = {}
    for person, tag in ((manager, "From manager"), (admin_user, "From admin")):
        client = Client()
        client.force_login(person)
        data = open_edit(client, cluster, BRISBANE)
        data["tags"] = tag
        clients[tag] = (client, data)
    responses = {}
    start = threading.Barrier(len(clients))

    def save(tag: str) -> None:
        client, data = clients[tag]
        try:
            start.wait()
            responses[tag] = client.post(edit_url(cluster, BRISBANE), data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(tag,)) for tag in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [200, 302]
    refused = next(r for r in responses.values() if r.status_code == 200)
    assert views.BUSY.replace("'", "&#x27;") in refused.content.decode()
    assert form_values(refused.content.decode())["tags"] in clients  # what they typed, kept
    assert len(_puts(sandbox)) == 1
    assert LeadCluster.objects.get(pk=cluster.pk).saving_since is None  # released


@pytest.mark.parametrize("status", [200, 204])
def test_the_audit_entry_records_the_status_dealerstudio_answered(
    manager_client, sandbox, cluster, status
):
    if status != 200:
        sandbox.inject_fault(method="PUT", path=PUT_PATH, status=status, body="")
    data = _typed(manager_client, cluster, add_row=False)
    assert manager_client.post(edit_url(cluster, BRISBANE), data).status_code == 302
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    assert (entry.outcome, entry.upstream_status) == (AuditEntry.Outcome.SUCCEEDED, status)


def test_a_save_while_another_holds_the_cluster_sends_nothing(manager_client, sandbox, cluster):
    data = _typed(manager_client, cluster, add_row=False)
    LeadCluster.objects.filter(pk=cluster.pk).update(saving_since=timezone.now())
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    _kept(response, data)
    assert views.BUSY.replace("'", "&#x27;") in response.content.decode()
    assert not _puts(sandbox)
    assert not AuditEntry.objects.filter(cluster_id=cluster.id).exists()


def test_a_claim_left_by_a_stopped_process_expires(manager_client, sandbox, cluster):
    data = _typed(manager_client, cluster, add_row=False)
    left = timezone.now() - SAVE_CLAIM - timedelta(seconds=1)
    LeadCluster.objects.filter(pk=cluster.pk).update(saving_since=left)
    assert manager_client.post(edit_url(cluster, BRISBANE), data).status_code == 302
    assert LeadCluster.objects.get(pk=cluster.pk).saving_since is None


def test_a_failed_save_releases_its_claim(manager_client, sandbox, cluster):
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=500)
    response = manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster))
    assert response.context["upstream_error"] is not None
    assert LeadCluster.objects.get(pk=cluster.pk).saving_since is None


def test_the_history_shows_the_clusters_own_latest_twenty_entries_newest_first(
    manager_client, manager, cluster
):
    start = timezone.now() - timedelta(days=1)
    for n in range(23):
        AuditEntry.objects.create(
            actor=manager,
            actor_name=f"person {n:02d}",
            action=AuditEntry.Action.EDIT,
            dealership_id=101,
            cluster_id=cluster.id,
            changes={"lead_state": ["new", "contacted"]},
            outcome=AuditEntry.Outcome.SUCCEEDED,
            created_at=start + timedelta(minutes=n),
        )
    AuditEntry.objects.create(
        actor_name="elsewhere", action=AuditEntry.Action.EDIT, cluster_id=cluster.id + 1
    )

    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    history = page[page.index('id="history-title"') :]

    shown = re.findall(r"person (\d\d)", history)
    assert shown == [f"{n:02d}" for n in range(22, 2, -1)]
    assert "elsewhere" not in history
    assert "Lead state: new → contacted" in history


def test_tags_are_suggested_from_the_clusters_dealership_only_by_name(manager_client, cluster):
    Tag.objects.create(dealership_id=101, name="Zz suggested", key="zz suggested")
    Tag.objects.create(dealership_id=101, name="Aa suggested", key="aa suggested")
    Tag.objects.create(dealership_id=202, name="Mm elsewhere", key="mm elsewhere")

    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    datalist = page[page.index('<datalist id="tag-suggestions">') :].split("</datalist>")[0]

    names = re.findall(r'<option value="([^"]*)">', datalist)
    by_name = Tag.objects.filter(dealership_id=101).order_by("name")  # the database's order
    assert names == list(by_name.values_list("name", flat=True))
    assert {"Aa suggested", "Zz suggested"} <= set(names) and "Mm elsewhere" not in names


def test_the_page_shows_the_clusters_enquiries_or_says_there_are_none(manager_client, cluster):
    story = cluster.story
    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    enquiries = page[page.index('id="enquiries-title"') : page.index('id="history-title"')]
    assert f"Enquiries ({cluster.lead_count})" in enquiries
    assert story.leads and all(
        (lead.get("category") or "Enquiry") in enquiries for lead in story.leads
    )

    story.delete()
    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()
    assert "No enquiries in the mirror." in page


def test_a_page_drawn_again_after_a_failed_save_still_shows_the_enquiries(
    manager_client, sandbox, cluster
):
    # A save reads the cluster without its leads; the page it draws on failure reads them.
    sandbox.inject_fault(method="PUT", path=PUT_PATH, status=500)
    response = manager_client.post(edit_url(cluster, BRISBANE), _typed(manager_client, cluster))
    assert response.context["upstream_error"] is not None
    page = response.content.decode()
    enquiries = page[page.index('id="enquiries-title"') : page.index('id="history-title"')]
    assert cluster.story.leads and all(
        (lead.get("category") or "Enquiry") in enquiries for lead in cluster.story.leads
    )


@pytest.mark.parametrize("cluster_id", [2**63, 2**64 + 5, 0])
def test_an_id_no_cluster_can_have_is_a_404(manager_client, cluster_id):
    assert manager_client.get(f"/leads/{BRISBANE}/{cluster_id}/").status_code == 404


@pytest.mark.parametrize(
    "created_at",
    [
        "2026-12-01T01:00:00",  # naive, beside an aware one
        "2026-13-45T01:00:00Z",
        "2026-12-01T01:00:00+99:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00Z",
        12345,
    ],
)
def test_a_lead_with_an_impossible_time_is_shown_without_one(manager_client, cluster, created_at):
    story = cluster.story
    story.leads = [
        {"id": 1, "category": "Odd time", "created_at": created_at},
        {"id": 2, "category": "Good time", "created_at": "2026-12-02T03:04:05Z"},
    ]
    story.save()

    response = manager_client.get(edit_url(cluster, BRISBANE))

    assert response.status_code == 200
    enquiries = response.content.decode().split('id="enquiries-title"')[1]
    assert enquiries.index("Good time") < enquiries.index("Odd time")


def test_the_form_holds_the_tags_in_order_and_notes_cars_awaiting_their_echo(
    manager_client, cluster
):
    set_cluster_tags(cluster.id, 101, ["Zeta", "Alpha", "Mid"])
    CarInterest.objects.create(cluster=cluster, car_id=990777, family_id=1, manufacturer_id=2)

    page = manager_client.get(edit_url(cluster, BRISBANE)).content.decode()

    assert form_values(page)["tags"] == "Zeta\nAlpha\nMid"
    assert "Car 990777 was added from here and is waiting" in page
    echoed = cluster.cars.exclude(ds_id=None).first()
    assert f"Car {echoed.car_id} was added" not in page
    rows = int(form_values(page)["cars-TOTAL_FORMS"])
    assert rows == cluster.cars.exclude(ds_id=None).count()  # only echoed cars can be edited
