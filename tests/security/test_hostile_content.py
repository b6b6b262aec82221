"""Hostile text from webhooks and forms (script tags, attribute breakers, right-to-left overrides,
10 000-character names, emoji, null bytes) is stored and shown escaped on every page.

Null bytes are the one exception to "stored as-is": PostgreSQL text cannot hold them, so the
webhook receiver strips them (rather than refusing the whole cluster), and forms refuse them.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.models import LeadCluster, Tag
from tests.clusters.helpers import (
    WEBHOOK_URL,
    edit_url,
    form_values,
    open_edit,
    post_webhook,
    webhook_headers,
)
from tests.conftest import BRISBANE

pytestmark = pytest.mark.usefixtures("committed_mirror")

SCRIPT = "<script>alert('xss')</script>"
BREAKER = "\"'><img src=x onerror=alert(1)>"
RTL = "Ali \u202egnp.exe"
EMOJI = "Zoë 🚗💨"
LONG = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(10_000))  # no compression
NUL = "Null\x00Byte"
RAW = [SCRIPT, BREAKER, "<img src=x", "<script>", "onerror=alert(1)>"]
HOSTILE_ID = 870001


def _django_quotes(html: str) -> str:
    """Jinja2 escapes quotes as &#34; and &#39;, Django as &quot; and &#x27;; the edit page
    has both."""
    return html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


def _assert_escaped(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{where} shows {raw!r} unescaped"


@pytest.fixture
def hostile(seed_payloads, manager) -> LeadCluster:
    payload = next(
        p
        for p in map(json.loads, seed_payloads)
        if p["dealership_id"] == 101 and p["cars"] and p["assigned_salesperson"]
    )
    payload.update(
        Id=HOSTILE_ID,
        modified=timezone.now().isoformat(),
        last_lead_created_at=(timezone.now() + timedelta(days=3650)).isoformat(),
        tags=[SCRIPT, BREAKER, RTL, EMOJI, NUL],
        provider=SCRIPT,
    )
    payload["contact"] = {
        "first_name": SCRIPT,
        "last_name": BREAKER,
        "business_name": RTL,
        "email": f"{EMOJI}@example.com{NUL}",
        "phone": BREAKER,
    }
    payload["leads"][0]["message"] = SCRIPT + LONG + NUL
    payload["assigned_salesperson"]["name"] = BREAKER
    payload["location"] = {"id": 1101, "name": SCRIPT}
    for car in payload["cars"]:
        car["id"] += 870000
        car["badge"], car["colour"] = BREAKER, SCRIPT
    assert post_webhook(Client(), payload).status_code == 200
    cluster = LeadCluster.objects.get(pk=HOSTILE_ID)
    return cluster


@pytest.fixture
def long_named(seed_payloads, manager) -> LeadCluster:
    payload = next(p for p in map(json.loads, seed_payloads) if p["dealership_id"] == 101)
    payload.update(Id=HOSTILE_ID + 1, modified=timezone.now().isoformat())
    payload["contact"] = {**payload["contact"], "first_name": LONG, "last_name": LONG}
    payload["tags"] = [LONG, "Short"]
    assert post_webhook(Client(), payload).status_code == 200
    return LeadCluster.objects.get(pk=HOSTILE_ID + 1)


def test_hostile_text_is_stored_as_is_except_null_bytes(hostile):
    assert hostile.contact_first_name == SCRIPT
    assert hostile.contact_last_name == BREAKER
    assert hostile.business_name == RTL
    assert hostile.contact_email == f"{EMOJI}@example.comNullByte"  # the NUL stripped
    assert hostile.tag_names() == [SCRIPT, BREAKER, RTL, EMOJI, "NullByte"]
    assert hostile.assignee_name == BREAKER
    assert SCRIPT + LONG in hostile.story.leads[0]["message"]


def test_ten_thousand_character_names_are_stored_and_listed(manager_client, long_named):
    """Whole in the name fields; the sortable display name (indexed) is cut to 200."""
    assert long_named.contact_first_name == LONG and long_named.contact_last_name == LONG
    assert long_named.contact_name == LONG[:199] + "…"
    response = manager_client.get("/leads/?q=" + LONG[:50])
    assert response.status_code == 200
    assert f"cluster-{long_named.id}" in response.content.decode()
    assert manager_client.get(edit_url(long_named, BRISBANE)).status_code == 200


def test_a_ten_thousand_character_tag_is_kept_to_500_and_still_editable(
    manager_client, sandbox, long_named
):
    assert long_named.tag_names() == [LONG[:499] + "…", "Short"]
    data = open_edit(manager_client, long_named, BRISBANE)
    data["lead_state"] = "lost" if data["lead_state"] != "lost" else "new"
    response = manager_client.post(edit_url(long_named, BRISBANE), data)
    # the long tag is left as it is: no error about its length, and the PUT went out (the
    # sandbox does not know this made-up cluster, hence its 404)
    assert "tags" not in response.context["form"].errors
    (put,) = sandbox.requests(method="PUT")
    assert put["body"] == {"lead_cluster": {"lead_state": data["lead_state"]}}


def test_the_list_shows_it_escaped(manager_client, hostile):
    html = manager_client.get("/leads/").content.decode()
    _assert_escaped(html, "the list")
    assert escape(SCRIPT) in html and escape(BREAKER) in html
    assert f"<bdi>{escape(SCRIPT)} {escape(BREAKER)}</bdi>" in html  # RTL cannot leak out
    html = manager_client.get("/leads/", {"q": "alert"}, HTTP_HX_REQUEST="true").content.decode()
    _assert_escaped(html, "the list's htmx results")
    assert escape(SCRIPT) in html


def test_the_edit_page_shows_it_escaped(manager_client, hostile):
    html = manager_client.get(edit_url(hostile, BRISBANE)).content.decode()
    _assert_escaped(html, "the edit page")
    assert escape(BREAKER) in html and escape(SCRIPT) in html


def test_the_board_shows_it_escaped(manager_client, hostile):
    html = manager_client.get("/board/").content.decode()
    assert f"card-{hostile.id}" in html
    _assert_escaped(html, "the board")
    assert escape(SCRIPT) in html


def test_the_tag_catalogue_shows_it_escaped(admin_client, hostile):
    html = admin_client.get("/tags/").content.decode()
    _assert_escaped(html, "the tag catalogue")
    assert escape(BREAKER) in html
    tag = Tag.objects.get(dealership_id=101, name=BREAKER)
    html = admin_client.get(f"/tags/{tag.id}/rename/").content.decode()
    _assert_escaped(html, "the rename page")


def test_a_save_with_hostile_tags_is_escaped_in_messages_audit_and_history(
    manager_client, sandbox, hostile
):
    cluster = LeadCluster.objects.filter(dealership_id=101, lead_state="new").first()
    LeadCluster.objects.filter(pk=cluster.pk).update(contact_name=SCRIPT)
    data = open_edit(manager_client, cluster, BRISBANE)
    data["tags"] = f"{SCRIPT}\n{BREAKER}\n{RTL}"
    response = manager_client.post(edit_url(cluster, BRISBANE), data, follow=True)
    assert response.redirect_chain, response.content.decode()[:2000]
    html = response.content.decode()
    _assert_escaped(html, "the page with the saved message")
    assert f"({escape(SCRIPT)}) to DealerStudio" in html  # the message names the customer
    entry = AuditEntry.objects.get(cluster_id=cluster.id)
    assert entry.changes["tags"][1] == [SCRIPT, BREAKER, RTL]
    for page in ("/audit/", edit_url(cluster, BRISBANE)):
        html = _django_quotes(manager_client.get(page).content.decode())
        _assert_escaped(html, page)
        assert escape(BREAKER) in html, page


def test_forms_refuse_null_bytes(manager_client, sandbox, hostile):
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    data = open_edit(manager_client, cluster, BRISBANE)
    data["tags"] = "bad\x00tag"
    response = manager_client.post(edit_url(cluster, BRISBANE), data)
    assert response.status_code == 200
    assert response.context["form"].errors["tags"]
    assert sandbox.requests(method="PUT") == []
    html = manager_client.get("/leads/", {"q": "a\x00b"}).content.decode()
    assert "Null characters are not allowed." in html


def test_the_sent_body_carries_the_hostile_text_unchanged(manager_client, sandbox, hostile):
    cluster = LeadCluster.objects.filter(dealership_id=101, lead_state="new").first()
    data = open_edit(manager_client, cluster, BRISBANE)
    data["tags"] = f"{EMOJI}\n{RTL}"
    assert manager_client.post(edit_url(cluster, BRISBANE), data).status_code == 302
    assert sandbox.requests(method="PUT")[0]["body"]["lead_cluster"]["tags"] == [EMOJI, RTL]
    assert (
        form_values(manager_client.get(edit_url(cluster, BRISBANE)).content.decode())["tags"]
        == f"{EMOJI}\n{RTL}"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_nul_in_a_webhook_body_in_another_unicode_encoding_is_stripped_too(
    seed_payloads, manager, encoding
):
    """JSON may come as UTF-16 or UTF-32, where the escaped NUL is not the ASCII bytes the
    receiver looks for first."""
    payload = json.loads(seed_payloads[0])
    payload.update(Id=HOSTILE_ID + 2, tags=[NUL])
    payload["contact"]["email"] = f"nul{NUL}@example.com"
    response = Client().post(
        WEBHOOK_URL,
        json.dumps(payload).encode(encoding),
        content_type="application/json",
        **webhook_headers(),
    )
    assert response.status_code == 200
    cluster = LeadCluster.objects.get(pk=HOSTILE_ID + 2)
    assert cluster.tag_names() == ["NullByte"]
    assert cluster.contact_email == "nulNullByte@example.com"
