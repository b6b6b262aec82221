"""A person's DealerStudio token never shows up where it could be read back: not in pages, not in
error pages, not in any log line, not in the audit log, not in the sandbox's request log."""

import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dealeradmin.accounts.models import ApiToken
from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.dealerstudio import client as dealerstudio_client
from tests.clusters.helpers import edit_url, open_edit
from tests.conftest import BRISBANE, MANAGER_TOKEN

pytestmark = pytest.mark.usefixtures("committed_mirror")
PUT_PATH = "/api/v1/dealerships/*/lead_clusters/*"
WRONG_TOKEN = "dsk_wrong_9999_0123456789ab"


def _leaks(text: str) -> list[str]:
    # The last four characters are shown on purpose (to tell tokens apart); nothing more.
    secrets = (MANAGER_TOKEN, MANAGER_TOKEN[:-4], WRONG_TOKEN, WRONG_TOKEN[:-4])
    return [secret for secret in secrets if secret in text]


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, httpx and httpcore included, for the length of the test."""
    names = ["", *logging.root.manager.loggerDict]
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_a_whole_flow_leaves_the_token_nowhere(everything_logged, sandbox, db, settings):
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0.3
    person = get_user_model().objects.create_user("tokenholder", password="x" * 20)
    browser = Client(raise_request_exception=False)
    browser.force_login(person)
    seen: list[str] = []

    def visit(method: str, url: str, data=None):
        response = getattr(browser, method)(url, data or {})
        seen.append(response.content.decode(errors="replace"))
        seen.append(json.dumps(dict(response.headers)))
        return response

    # a wrong token is refused, and the form does not give it back
    visit("post", "/settings/token/", {"token": WRONG_TOKEN})
    # the right one is stored (encrypted) and the page shows only its last four characters
    assert visit("post", "/settings/token/", {"token": MANAGER_TOKEN}).status_code == 302
    assert MANAGER_TOKEN[-4:] in visit("get", "/settings/token/").content.decode()
    stored = ApiToken.objects.get(user=person)
    assert not _leaks(stored.ciphertext)
    visit("post", "/settings/token/refresh/")

    cluster = LeadCluster.objects.filter(dealership_id=101, lead_state="new").first()
    visit("get", "/leads/")
    visit("get", "/leads/?q=" + cluster.contact_last_name)
    for page in ("/", "/board/", "/tags/", "/audit/"):
        visit("get", page)
    data = open_edit(browser, cluster, BRISBANE)
    data["lead_state"] = "contacted"
    assert visit("post", edit_url(cluster, BRISBANE), data).status_code == 302

    # failures: an error body that echoes the Authorization header back, a 401, a drop, a 503
    data = open_edit(browser, cluster, BRISBANE)
    for fault in (
        {"status": 500, "body": f"upstream saw Authorization: Bearer {MANAGER_TOKEN}"},
        {"status": 401},
        {"status": "drop"},
        {"status": 503, "times": 3},
        {"status": 200, "body": "<html>not json</html>", "content_type": "text/html"},
    ):
        sandbox.clear_faults()
        sandbox.inject_fault(method="PUT", path=PUT_PATH, **fault)
        data["lead_state"] = "lost" if data["lead_state"] != "lost" else "invalid"
        visit("post", edit_url(cluster, BRISBANE), data)
    visit("get", edit_url(cluster, BRISBANE))
    visit("post", "/settings/token/delete/")

    for text in seen:
        assert not _leaks(text)
    logged = [everything_logged.text] + [
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}"
        for record in everything_logged.records
    ]
    assert len(everything_logged.records) > 10  # the capture did see the flow
    for line in logged:
        assert not _leaks(line), line
    for entry in AuditEntry.objects.all():
        entry_text = json.dumps(
            [entry.changes, entry.request_body, entry.outcome_detail], default=str
        )
        assert not _leaks(entry_text)
    assert AuditEntry.objects.count() >= 6
    requests = sandbox.requests()
    assert any(r["method"] == "PUT" for r in requests)
    assert not _leaks(json.dumps(requests))
    assert not _leaks(sandbox.log())


def test_a_crash_mid_call_mocked_shows_no_token_on_the_debug_error_page(
    manager, sandbox, settings, monkeypatch, everything_logged
):
    """Mocks the connection pool to blow up inside the client: with DEBUG on, Django's error
    page lists every frame's local variables, the bearer header among them unless hidden."""

    class Exploding:
        def request(self, *args, **kwargs):
            raise RuntimeError("the pool broke")

    monkeypatch.setattr(dealerstudio_client, "_http", lambda: Exploding())
    settings.DEBUG = True
    browser = Client(raise_request_exception=False)
    browser.force_login(manager)
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    data = open_edit(browser, cluster, BRISBANE)
    data["lead_state"] = "invalid" if data["lead_state"] != "invalid" else "lost"
    response = browser.post(edit_url(cluster, BRISBANE), data)
    assert response.status_code == 500
    page = response.content.decode()
    assert "the pool broke" in page  # it is Django's debug page, with the frames
    assert not _leaks(page)
    assert not _leaks(everything_logged.text)

    settings.DEBUG = False
    response = browser.post(edit_url(cluster, BRISBANE), data)
    assert response.status_code == 500
    assert not _leaks(response.content.decode())
