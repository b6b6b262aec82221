"""The DealerStudio client against the sandbox over real HTTP on loopback."""

import json
import socket

import pytest

from dealeradmin.dealerstudio import errors
from dealeradmin.dealerstudio.client import (
    LONGEST_RETRY_AFTER,
    DealerStudioClient,
    describe_wait,
    retry_after_seconds,
    upstream_calls,
)
from tests.conftest import BRISBANE, GROUP_TOKEN, MANAGER_TOKEN

CLUSTER_PATH = "/api/v1/dealerships/*/lead_clusters/*"


@pytest.fixture
def client(sandbox) -> DealerStudioClient:
    return DealerStudioClient(MANAGER_TOKEN, retry_seconds=0)


def _a_brisbane_cluster_id(sandbox) -> int:
    payloads = (json.loads(line) for line in sandbox.export_jsonl().splitlines() if line)
    return next(p["Id"] for p in payloads if p["dealership_id"] == 101)


def test_apikey_details_lists_the_dealerships_the_token_reaches(sandbox):
    details = DealerStudioClient(GROUP_TOKEN).apikey_details()
    slugs = {d.slug for d in details.dealerships}
    assert slugs == {"brisbane-city-motors", "gold-coast-auto-group"}
    brisbane = next(d for d in details.dealerships if d.slug == BRISBANE)
    assert len(brisbane.locations) >= 3 and len(brisbane.users) >= 6


def test_apikey_details_with_an_unknown_token_is_token_invalid(sandbox):
    with pytest.raises(errors.TokenInvalid) as caught:
        DealerStudioClient("dsk_not_a_real_token").apikey_details()
    assert caught.value.message == errors.TOKEN_INVALID


def test_update_sends_the_body_wrapped_in_lead_cluster_with_the_bearer_token(sandbox, client):
    cluster_id = _a_brisbane_cluster_id(sandbox)
    client.update_lead_cluster(BRISBANE, cluster_id, {"lead_state": "contacted"})
    [put] = sandbox.requests(method="PUT")
    assert put["path"] == f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{cluster_id}"
    assert put["body"] == {"lead_cluster": {"lead_state": "contacted"}}
    assert put["headers"]["Authorization"].endswith(MANAGER_TOKEN[-4:])
    assert MANAGER_TOKEN not in str(put)
    assert put["status"] == 200


def test_another_dealership_is_access_denied(sandbox, client):
    with pytest.raises(errors.AccessDenied):
        client.update_lead_cluster("gold-coast-auto-group", 5001, {"lead_state": "new"})


def test_an_unknown_cluster_is_not_found(sandbox, client):
    with pytest.raises(errors.NotFound):
        client.update_lead_cluster(BRISBANE, 999999, {"lead_state": "new"})


def test_a_rejected_body_carries_the_field_errors(sandbox, client):
    cluster_id = _a_brisbane_cluster_id(sandbox)
    with pytest.raises(errors.Rejected) as caught:
        client.update_lead_cluster(
            BRISBANE,
            cluster_id,
            {"lead_state": "sold", "car_lead_clusters_attributes": [{"car_id": 1}]},
        )
    assert "lead_state" in caught.value.field_errors
    assert "car_lead_clusters_attributes[0].family_id" in caught.value.field_errors


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (500, errors.Unavailable),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.Unavailable),
        (418, errors.UnexpectedStatus),
    ],
)
def test_each_failure_status_has_its_own_error(sandbox, client, status, error_class):
    sandbox.inject_fault(method="PUT", path=CLUSTER_PATH, status=status, times=1)
    with pytest.raises(error_class) as caught:
        client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"approved": True})
    assert caught.value.status == status


def test_rate_limiting_says_when_to_try_again(sandbox, client):
    sandbox.inject_fault(
        method="PUT", path=CLUSTER_PATH, status=429, times=1, headers={"Retry-After": "30"}
    )
    with pytest.raises(errors.RateLimited) as caught:
        client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"approved": True})
    assert caught.value.retry_after == 30
    assert caught.value.message.endswith("Try again in 30 seconds.")


def test_a_success_with_an_html_body_is_malformed(sandbox, client):
    sandbox.inject_fault(
        method="PUT",
        path=CLUSTER_PATH,
        status=200,
        times=1,
        body="<html>maintenance</html>",
        content_type="text/html",
    )
    with pytest.raises(errors.MalformedResponse):
        client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"approved": True})


def test_a_read_timeout_says_the_outcome_is_unknown(sandbox, client, settings):
    settings.DEALERSTUDIO_READ_TIMEOUT = 0.2
    sandbox.inject_fault(method="PUT", path=CLUSTER_PATH, delay_ms=1000, times=1)
    with pytest.raises(errors.TimedOut) as caught:
        client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"approved": True})
    assert "may or may not" in caught.value.message


def test_a_closed_port_is_connection_failed(settings, db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.DEALERSTUDIO_API_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(errors.ConnectionFailed) as caught:
        DealerStudioClient(MANAGER_TOKEN, retry_seconds=0).apikey_details()
    assert caught.value.message == errors.CONNECTION_FAILED


def test_a_503_is_retried_when_repeating_the_put_cannot_duplicate_anything(sandbox):
    sandbox.inject_fault(method="PUT", path=CLUSTER_PATH, status=503, times=1)
    client = DealerStudioClient(MANAGER_TOKEN, retry_seconds=2)
    client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"tags": ["VIP"]})
    assert [r["status"] for r in sandbox.requests(method="PUT")] == [503, 200]


def test_a_put_that_adds_a_car_row_is_never_repeated(sandbox):
    sandbox.inject_fault(method="PUT", path=CLUSTER_PATH, status=503, times=1)
    client = DealerStudioClient(MANAGER_TOKEN, retry_seconds=2)
    new_row = {"car_id": 990001, "family_id": 11, "manufacturer_id": 1}
    with pytest.raises(errors.Unavailable):
        client.update_lead_cluster(
            BRISBANE,
            _a_brisbane_cluster_id(sandbox),
            {"car_lead_clusters_attributes": [new_row]},
        )
    assert len(sandbox.requests(method="PUT")) == 1


def test_every_call_is_recorded_for_the_request_log(sandbox, client):
    calls: list = []
    token = upstream_calls.set(calls)
    try:
        client.update_lead_cluster(BRISBANE, _a_brisbane_cluster_id(sandbox), {"approved": True})
    finally:
        upstream_calls.reset(token)
    assert [(c.method, c.status) for c in calls] == [("PUT", 200)]


def test_the_client_never_shows_its_token():
    client = DealerStudioClient(MANAGER_TOKEN)
    assert MANAGER_TOKEN not in repr(client)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        ("0", 0.0),
        ("soon", None),
        (None, None),
        ("²", None),  # a digit to str.isdigit(), not a number
        ("9" * 400, LONGEST_RETRY_AFTER),  # infinity as a float
        ("Fri, 31 Dec 2100 23:59:59 GMT", LONGEST_RETRY_AFTER),
    ],
)
def test_retry_after_is_read_as_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_an_http_date_in_the_past_is_now():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "in a minute"),
        (1, "in a moment"),
        (45, "in 45 seconds"),
        (600, "in about 10 minutes"),
        (3 * 3600, "in about 3 hours"),
        (float("inf"), "in about 24 hours"),
    ],
)
def test_waits_are_described_in_plain_words(seconds, words):
    assert describe_wait(seconds) == words
