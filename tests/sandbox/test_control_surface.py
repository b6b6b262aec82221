import json
import time

import httpx

from tests.sandbox.conftest import BRISBANE, MANAGER, bearer

APIKEY = "/api/v1/apikeys/apikey_details.json"


def cluster_path(cluster_id) -> str:
    return f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{cluster_id}"


def test_the_request_log_keeps_only_the_last_four_characters_of_the_token(api, sandbox):
    api.put(cluster_path(5001), json={"lead_cluster": {"tags": ["Hot"]}}, headers=bearer(MANAGER))
    api.get(APIKEY, headers=bearer(MANAGER))

    logged = sandbox.requests()
    assert [(r["method"], r["path"], r["status"]) for r in logged] == [
        ("PUT", cluster_path(5001), 200),
        ("GET", APIKEY, 200),
    ]
    assert logged[0]["headers"]["Authorization"] == "Bearer …e5f6"
    assert logged[0]["body"] == {"lead_cluster": {"tags": ["Hot"]}}
    assert MANAGER not in json.dumps(logged)
    assert [r["method"] for r in sandbox.requests(method="PUT")] == ["PUT"]


def test_a_fault_answers_its_status_for_the_given_number_of_times(api, sandbox):
    sandbox.inject_fault(
        method="PUT",
        path="/api/v1/dealerships/*/lead_clusters/5003",
        times=2,
        status=503,
        headers={"Retry-After": "30"},
    )
    body = {"lead_cluster": {"lead_state": "lost"}}

    statuses = [api.put(cluster_path(5003), json=body, headers=bearer(MANAGER)) for _ in range(3)]

    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == "30"
    assert statuses[0].json() == {"error": "Service Unavailable"}
    assert [r["status"] for r in sandbox.requests()] == [503, 503, 200]


def test_a_fault_can_answer_an_html_page(api, sandbox):
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    sandbox.inject_fault(method="*", path="/api/*", status=502, body=page, content_type="text/html")

    response = api.get(APIKEY, headers=bearer(MANAGER))

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text == page


def test_a_fault_without_status_only_delays_the_real_answer(api, sandbox):
    sandbox.inject_fault(method="GET", path=APIKEY, delay_ms=300)

    started = time.monotonic()
    response = api.get(APIKEY, headers=bearer(MANAGER))

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_a_forever_fault_stays_until_faults_are_cleared(api, sandbox):
    sandbox.inject_fault(method="GET", path=APIKEY, status=429, times=0)

    assert [api.get(APIKEY).status_code for _ in range(3)] == [429, 429, 429]
    sandbox.clear_faults()
    assert api.get(APIKEY, headers=bearer(MANAGER)).status_code == 200


def test_a_drop_fault_closes_the_connection_without_an_answer(api, sandbox):
    sandbox.inject_fault(method="GET", path=APIKEY, status="drop")

    try:
        api.get(APIKEY, headers=bearer(MANAGER))
    except httpx.RemoteProtocolError:
        pass
    else:
        raise AssertionError("the sandbox answered instead of dropping the connection")
    assert api.get(APIKEY, headers=bearer(MANAGER)).status_code == 200


def test_latency_is_added_to_every_api_request(api, sandbox):
    sandbox.configure(latency_ms=200)

    started = time.monotonic()
    api.get(APIKEY, headers=bearer(MANAGER))

    assert time.monotonic() - started >= 0.2
    assert sandbox.config()["latency_ms"] == 200


def test_reset_restores_the_seed_and_clears_log_and_faults(api, sandbox):
    before = sandbox.export_jsonl()
    api.put(cluster_path(5001), json={"lead_cluster": {"tags": []}}, headers=bearer(MANAGER))
    sandbox.inject_fault(method="*", path="*", status=500, times=0)

    started = time.monotonic()
    sandbox.reset()
    elapsed = time.monotonic() - started

    assert sandbox.export_jsonl() == before
    assert sandbox.requests() == []
    assert api.get(APIKEY, headers=bearer(MANAGER)).status_code == 200
    assert elapsed < 0.5


def test_tokens_lists_the_three_demo_tokens_with_their_dealerships(sandbox):
    tokens = {t["token"]: t for t in sandbox.tokens()}

    assert [d["id"] for d in tokens["dsk_manager_0001_a1b2c3d4e5f6"]["dealerships"]] == [101]
    assert [d["id"] for d in tokens["dsk_group_0002_f6e5d4c3b2a1"]["dealerships"]] == [101, 202]
    assert [d["id"] for d in tokens["dsk_second_0003_9f8e7d6c5b4a"]["dealerships"]] == [202]
    assert tokens["dsk_second_0003_9f8e7d6c5b4a"]["label"] == "Gold Coast only"


def test_the_export_holds_one_webhook_payload_per_seeded_cluster(seeded_clusters):
    ids = [c["Id"] for c in seeded_clusters]
    brisbane = [c for c in seeded_clusters if c["dealership_id"] == 101]
    high_quality = {"High Quality Lead", "high quality lead ", "High-Quality Lead"}

    assert ids[0] == 5001
    assert ids == sorted(set(ids))
    assert 380 <= len(ids) <= 420
    assert {c["status"] for c in seeded_clusters} == {
        "new",
        "contacted",
        "lost",
        "invalid",
        "converted",
    }
    assert sum(1 for c in brisbane if high_quality & set(c["tags"])) == 100
    assert any(c["assigned_salesperson"] is None for c in brisbane)
    assert all(1 <= len(c["leads"]) <= 4 for c in seeded_clusters)
    assert all(c["modified"].endswith("+10:00") for c in seeded_clusters)


def test_the_sandbox_never_prints_a_full_token(api, sandbox, receiver):
    sandbox.configure(webhook_url=receiver.url, webhook_token="whk_secret_9876")
    api.put(cluster_path(5001), json={"lead_cluster": {"tags": []}}, headers=bearer(MANAGER))
    api.get(APIKEY, headers=bearer("dsk_unknown_token_1234"))
    sandbox.flush_webhooks()

    printed = sandbox.log()

    assert "listening on" in printed
    for token in (MANAGER, "whk_secret_9876", "dsk_unknown_token_1234"):
        assert token not in printed


def test_the_export_can_be_limited_to_its_first_clusters(sandbox):
    every = sandbox.export_jsonl().splitlines()
    assert sandbox.export_jsonl(limit=3).splitlines() == every[:3]
    assert len(every) > 3
