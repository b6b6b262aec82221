"""The Lead Cluster Webhook receiver: who may post, what it accepts, and that repeats, late
deliveries and simultaneous deliveries leave the mirror exactly as the newest payload says."""

import copy
import json
import threading
from datetime import datetime, timedelta

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealeradmin.accounts.models import Dealership
from dealeradmin.clusters import webhooks
from dealeradmin.clusters.ingest import REQUIRED_FIELDS, set_cluster_tags
from dealeradmin.clusters.models import CarInterest, ClusterTag, LeadCluster, StatusOptionLabel
from dealeradmin.clusters.services import apply_sent_changes
from tests.clusters.helpers import WEBHOOK_URL, post_webhook, webhook_headers

NEW_ID = 880001


@pytest.fixture
def payload(seed_payloads) -> dict:
    """A seed payload under an id no other test uses, with tags and two cars."""
    for line in seed_payloads:
        data = json.loads(line)
        if len(data["cars"]) >= 2 and data["tags"]:
            data["Id"] = NEW_ID
            for car in data["cars"]:
                car["id"] += 900000  # car_lead_cluster ids are unique per cluster upstream
            return data
    raise AssertionError("the seed has no cluster with tags and two cars")


def later(payload: dict, seconds: int = 60, **changes) -> dict:
    newer = copy.deepcopy(payload)
    modified = datetime.fromisoformat(payload["modified"]) + timedelta(seconds=seconds)
    newer["modified"] = modified.isoformat(timespec="milliseconds")
    newer.update(changes)
    return newer


def snapshot(cluster_id: int) -> dict:
    cluster = LeadCluster.objects.get(pk=cluster_id)
    return {
        "fields": {
            f.name: getattr(cluster, f.attname)
            for f in LeadCluster._meta.concrete_fields
            if f.name != "synced_at"
        },
        "tags": list(
            ClusterTag.objects.filter(cluster_id=cluster_id)
            .order_by("position")
            .values_list("tag__name", flat=True)
        ),
        "cars": list(
            CarInterest.objects.filter(cluster_id=cluster_id)
            .order_by("ds_id")
            .values_list("ds_id", "car_id", "year", "colour")
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["bearer", "x-authorization"])
def test_it_accepts_the_token_in_either_documented_header(client, payload, header):
    response = post_webhook(client, payload, header=header)
    assert response.status_code == 200
    assert response.json() == {"id": NEW_ID, "outcome": "created"}
    assert LeadCluster.objects.filter(pk=NEW_ID).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_X_AUTHORIZATION": "wrong-token"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": django_settings.DEALERSTUDIO_WEBHOOK_TOKEN},  # no scheme
        {"HTTP_AUTHORIZATION": "Basic " + django_settings.DEALERSTUDIO_WEBHOOK_TOKEN},
        {"HTTP_AUTHORIZATION": "Bearer " + django_settings.DEALERSTUDIO_WEBHOOK_TOKEN[:-1]},
        {"HTTP_AUTHORIZATION": "Bearer " + django_settings.DEALERSTUDIO_WEBHOOK_TOKEN + "x"},
    ],
    ids=["none", "wrong", "wrong-x", "empty", "no-scheme", "basic", "prefix", "longer"],
)
def test_a_missing_or_wrong_token_is_401_without_detail_and_changes_nothing(
    client, payload, headers
):
    response = client.post(
        WEBHOOK_URL, json.dumps(payload), content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}  # the same answer for every case
    assert "WWW-Authenticate" not in response
    assert not LeadCluster.objects.filter(pk=NEW_ID).exists()


@pytest.mark.django_db
def test_the_token_is_compared_in_constant_time_spied_on_hmac(client, payload, monkeypatch):
    """Spies on hmac.compare_digest: every presented token goes through it, never through ==."""
    compared = []
    real = webhooks.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    post_webhook(client, payload, token="guess")
    post_webhook(client, payload)
    expected = django_settings.DEALERSTUDIO_WEBHOOK_TOKEN.encode()
    assert compared == [(b"guess", expected), (expected, expected)]


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_and_changes_nothing(client, payload, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 2_000
    payload["leads"][0]["message"] = "x" * 3_000
    response = post_webhook(client, payload)
    assert response.status_code == 413
    assert not LeadCluster.objects.filter(pk=NEW_ID).exists()


@pytest.mark.django_db
def test_a_body_over_the_limit_with_a_lying_content_length_is_still_413(payload, settings):
    """The length check does not trust the header: the body itself is measured."""
    from django.test import RequestFactory

    settings.WEBHOOK_MAX_BODY_BYTES = 2_000
    payload["leads"][0]["message"] = "x" * 3_000
    body = json.dumps(payload).encode()
    request = RequestFactory().post(
        WEBHOOK_URL, body, content_type="application/json", **webhook_headers()
    )
    request.META["CONTENT_LENGTH"] = str(len(body))
    request.headers  # noqa: B018
    request.META["HTTP_CONTENT_LENGTH"] = "10"
    assert webhooks.lead_cluster_webhook(request).status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"\xff\xfe\x00", b"[1, 2]", b'"a string"', b"[" * 100_000],
    ids=["text", "empty", "bad-utf8", "list", "string", "deeply-nested"],
)
def test_a_body_that_is_not_a_json_object_is_400(client, body):
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.django_db
def test_a_malformed_content_length_header_is_400_not_500(client):
    response = client.post(
        WEBHOOK_URL,
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="abc",
        **webhook_headers(),
    )
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_a_payload_missing_a_required_field_is_400_and_changes_nothing(client, payload, missing):
    assert post_webhook(client, payload).status_code == 200
    before = snapshot(NEW_ID)
    newer = later(payload, status="lost", tags=["Changed"])
    del newer[missing]
    response = post_webhook(client, newer)
    assert response.status_code == 400
    assert missing in response.json()["error"]
    assert snapshot(NEW_ID) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"Id": "abc"},
        {"Id": 2**64},
        {"Id": 0},
        {"Id": -5},
        {"dealership_id": None},
        {"modified": "yesterday"},
        {"contact": "a string"},
        {"leads": {"not": "a list"}},
        {"cars": [{"car_id": "x", "family_id": 1, "manufacturer_id": 1}]},
        {"tags": "VIP"},
        {"assigned_salesperson": {"id": "one", "name": "x"}},
    ],
)
def test_a_payload_with_a_malformed_field_is_400_and_changes_nothing(client, payload, change):
    assert post_webhook(client, payload).status_code == 200
    before = snapshot(NEW_ID)
    newer = later(payload, status="lost", tags=["Changed"])
    newer.update(change)
    if "Id" in change:
        newer["Id"] = change["Id"]
    assert post_webhook(client, newer).status_code == 400
    assert snapshot(NEW_ID) == before


@pytest.mark.django_db
def test_the_cluster_id_is_read_from_the_documented_Id_field(client, payload):
    payload["id"] = 12345  # a lower-case id is not the documented field and is ignored
    assert post_webhook(client, payload).json()["id"] == NEW_ID
    assert not LeadCluster.objects.filter(pk=12345).exists()
    del payload["Id"]
    assert post_webhook(client, payload).status_code == 400


@pytest.mark.django_db
def test_a_repeated_delivery_is_a_no_op(client, payload):
    assert post_webhook(client, payload).json()["outcome"] == "created"
    before = snapshot(NEW_ID)
    assert post_webhook(client, payload).json()["outcome"] == "duplicate"
    assert snapshot(NEW_ID) == before


@pytest.mark.django_db
def test_an_older_delivery_arriving_late_is_ignored(client, payload):
    newer = later(payload, status="converted", tags=["Newer"])
    newer["cars"] = newer["cars"][:1]
    assert post_webhook(client, newer).json()["outcome"] == "created"
    before = snapshot(NEW_ID)
    assert post_webhook(client, payload).json()["outcome"] == "stale"
    assert snapshot(NEW_ID) == before
    assert before["tags"] == ["Newer"]
    assert before["fields"]["lead_state"] == "converted"


@pytest.mark.django_db
def test_a_newer_delivery_replaces_fields_tags_and_cars_and_bumps_the_version(client, payload):
    post_webhook(client, payload)
    version = LeadCluster.objects.get(pk=NEW_ID).version
    newer = later(payload, status="contacted", tags=["B", "A"])
    newer["cars"] = newer["cars"][1:]
    assert post_webhook(client, newer).json()["outcome"] == "updated"
    after = snapshot(NEW_ID)
    assert after["tags"] == ["B", "A"]
    assert [car[0] for car in after["cars"]] == [newer["cars"][0]["id"]]
    assert after["fields"]["version"] == version + 1


@pytest.mark.django_db
def test_a_status_option_is_named_by_the_first_delivery_that_names_it_and_kept_after(
    client, payload
):
    def deliver(seconds: int, option: dict) -> None:
        newer = later(payload, seconds, lead_status_option=option)
        newer.pop("lead_status_option_id", None)
        assert post_webhook(client, newer).status_code == 200

    def name() -> list[str]:
        labels = StatusOptionLabel.objects.filter(dealership_id=payload["dealership_id"])
        return list(labels.filter(option_id=4242).values_list("name", flat=True))

    deliver(1, {"id": 4242, "name": ""})
    assert name() == [""]  # seen, not yet named
    deliver(2, {"id": 4242, "name": "Finance pending"})
    assert name() == ["Finance pending"]
    deliver(3, {"id": 4242, "name": "Renamed upstream"})
    deliver(4, {"id": 4242, "name": ""})
    assert name() == ["Finance pending"]  # an admin may have chosen it: it stays
    assert LeadCluster.objects.get(pk=NEW_ID).lead_status_option_id == 4242


@pytest.mark.django_db
def test_the_echo_of_our_own_save_replaces_what_we_wrote(client, payload):
    """Our save marks the mirror as written by us; DealerStudio's echo with the same `modified`
    must still be applied, not taken for a duplicate."""
    post_webhook(client, payload)
    LeadCluster.objects.filter(pk=NEW_ID).update(written_by_us_at=datetime.now().astimezone())
    assert post_webhook(client, payload).json()["outcome"] == "updated"
    assert LeadCluster.objects.get(pk=NEW_ID).written_by_us_at is None


@pytest.mark.django_db
def test_a_delivery_repeating_the_tags_and_cars_does_not_read_them_again(client, payload):
    post_webhook(client, payload)
    before = snapshot(NEW_ID)
    with CaptureQueriesContext(connection) as queries:
        assert post_webhook(client, later(payload, status="lost")).json()["outcome"] == "updated"
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "clusters_clustertag" not in read and "clusters_carinterest" not in read
    after = snapshot(NEW_ID)
    assert (after["tags"], after["cars"]) == (before["tags"], before["cars"])
    assert after["fields"]["lead_state"] == "lost"


@pytest.mark.django_db
def test_after_our_own_save_changed_tags_and_cars_the_next_delivery_is_written_whole(
    client, payload
):
    """A delivery repeating the previous one's tags and cars must still overwrite what our
    own save wrote since (the mirror no longer holds what that delivery carried)."""
    post_webhook(client, payload)
    delivered = snapshot(NEW_ID)
    dealership = Dealership(id=payload["dealership_id"])
    car = {"car_id": 1, "family_id": 2, "manufacturer_id": 3}
    body = {"tags": ["Ours only"], "car_lead_clusters_attributes": [car]}
    apply_sent_changes(dealership, NEW_ID, body)
    assert snapshot(NEW_ID)["tags"] == ["Ours only"]
    assert post_webhook(client, later(payload)).json()["outcome"] == "updated"
    after = snapshot(NEW_ID)
    assert (after["tags"], after["cars"]) == (delivered["tags"], delivered["cars"])


@pytest.mark.django_db
def test_our_save_awaits_an_echo_only_if_no_delivery_came_while_it_was_sent(client, payload):
    post_webhook(client, payload)
    dealership = Dealership(id=payload["dealership_id"])
    read = LeadCluster.objects.get(pk=NEW_ID)

    apply_sent_changes(dealership, NEW_ID, {"lead_state": "won"}, read_version=read.version)
    saved = LeadCluster.objects.get(pk=NEW_ID)
    assert saved.written_by_us_at is not None and saved.version == read.version + 1
    assert (saved.lead_state, saved.synced_at > read.synced_at) == ("won", True)

    post_webhook(client, later(payload, status="lost"))  # the echo, or news: applied whole
    stale = LeadCluster.objects.get(pk=NEW_ID).version - 1  # a save that read before it
    apply_sent_changes(dealership, NEW_ID, {"lead_state": "won"}, read_version=stale)
    after = LeadCluster.objects.get(pk=NEW_ID)
    assert after.written_by_us_at is None and after.lead_state == "won"


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get(WEBHOOK_URL, **webhook_headers()).status_code == 405


def _variant(payload: dict, n: int, seconds: int) -> dict:
    """A payload whose every part (fields, tags, cars) says `n`, so a mix is easy to see."""
    data = later(payload, seconds=seconds, status=["new", "contacted", "converted"][n % 3])
    data["contact"] = {**data["contact"], "first_name": f"Variant{n}"}
    data["tags"] = [f"v{n}-a", f"v{n}-b", f"v{n}-c"]
    data["cars"] = [
        {**car, "id": 700000 + 10 * n + i, "colour": f"colour{n}"}
        for i, car in enumerate(payload["cars"])
    ]
    data["car_ids"] = [n, n + 1]
    return data


def _expected(payload: dict) -> dict:
    return {
        "first_name": payload["contact"]["first_name"],
        "lead_state": payload["status"],
        "tags": payload["tags"],
        "cars": sorted((car["id"], car["colour"]) for car in payload["cars"]),
        "car_ids": payload["car_ids"],
    }


def _observed(cluster_id: int) -> dict:
    cluster = LeadCluster.objects.get(pk=cluster_id)
    return {
        "first_name": cluster.contact_first_name,
        "lead_state": cluster.lead_state,
        "tags": list(
            ClusterTag.objects.filter(cluster=cluster)
            .order_by("position")
            .values_list("tag__name", flat=True)
        ),
        "cars": sorted(CarInterest.objects.filter(cluster=cluster).values_list("ds_id", "colour")),
        "car_ids": cluster.car_ids,
    }


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_cluster_never_interleave_into_a_mix(live_server, payload):
    """Threads post through the live server at the same moment, over real connections, on
    whichever database DATABASE_URL names (PostgreSQL: row locks; SQLite: serialised writers).
    Each round sends several versions of one cluster at once; afterwards the mirror must hold
    the newest one entirely: its fields, its tags in order and its cars."""
    url = live_server.url + WEBHOOK_URL
    headers = {"Authorization": f"Bearer {django_settings.DEALERSTUDIO_WEBHOOK_TOKEN}"}
    senders = 4
    for round_number in range(6):
        round_payload = {**payload, "Id": NEW_ID + round_number}
        variants = [_variant(round_payload, n, seconds=n + 1) for n in range(senders)]
        if round_number % 2:
            variants.reverse()  # the newest sometimes starts first, sometimes last
        barrier = threading.Barrier(senders)
        outcomes: list = []

        def send(body: dict, barrier=barrier, outcomes=outcomes) -> None:
            with httpx.Client(timeout=30) as http:
                barrier.wait()
                response = http.post(url, json=body, headers=headers)
                outcomes.append((response.status_code, response.json().get("outcome")))

        threads = [threading.Thread(target=send, args=(v,)) for v in variants]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert all(status == 200 for status, _ in outcomes), outcomes
        assert sum(1 for _, outcome in outcomes if outcome == "created") == 1, outcomes
        newest = max(variants, key=lambda v: v["modified"])
        assert _observed(NEW_ID + round_number) == _expected(newest), (
            f"round {round_number} on {connection.vendor}: {outcomes}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda tags: [*tags, "Added at the end", "And another"],
        lambda tags: ["Put first", *tags],
        lambda tags: list(reversed(tags)) + ["Added"],
        lambda tags: tags[1:],
        lambda tags: [],
    ],
    ids=["appended", "prepended", "reordered", "one removed", "all removed"],
)
def test_our_own_tag_changes_leave_exactly_the_tags_sent_in_order(client, payload, change):
    post_webhook(client, payload)
    held = snapshot(NEW_ID)["tags"]
    assert len(held) >= 1
    wanted = change(held)
    set_cluster_tags(NEW_ID, payload["dealership_id"], wanted)
    links = ClusterTag.objects.filter(cluster_id=NEW_ID).order_by("position", "id")
    assert [link.tag.name for link in links] == wanted
    assert [link.position for link in links] == list(range(len(wanted)))
