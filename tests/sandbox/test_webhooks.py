from tests.sandbox.conftest import BRISBANE, MANAGER, bearer


def test_a_successful_update_posts_the_cluster_webhook_with_the_bearer_token(
    api, sandbox, receiver
):
    sandbox.configure(webhook_url=receiver.url, webhook_token="whk_secret_9876")

    response = api.put(
        f"/api/v1/dealerships/{BRISBANE}/lead_clusters/5002",
        json={"lead_cluster": {"lead_state": "converted"}},
        headers=bearer(MANAGER),
    )
    sandbox.flush_webhooks()

    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery["headers"]["Authorization"] == "Bearer whk_secret_9876"
    assert delivery["headers"]["Content-Type"] == "application/json"
    assert delivery["headers"]["Accept"] == "application/json"
    assert delivery["json"] == response.json()
    assert delivery["json"]["Id"] == 5002
    assert delivery["json"]["status"] == "converted"
    assert delivery["json"]["provider"] == "Dealer Studio"
    assert sandbox.webhooks() == [
        {
            "cluster_id": 5002,
            "url": receiver.url,
            "status": 200,
            "error": None,
            "at": sandbox.webhooks()[0]["at"],
        }
    ]
    assert sandbox.config()["webhook_token"] == "…9876"


def test_a_rejected_update_sends_no_webhook(api, sandbox, receiver):
    sandbox.configure(webhook_url=receiver.url)

    api.put(
        f"/api/v1/dealerships/{BRISBANE}/lead_clusters/5002",
        json={"lead_cluster": {"lead_state": "won"}},
        headers=bearer(MANAGER),
    )
    sandbox.flush_webhooks()

    assert receiver.received == []


def test_replay_delivers_every_cluster_of_a_dealership_in_order(sandbox, receiver, seeded_clusters):
    sandbox.configure(webhook_url=receiver.url)
    gold_coast = [c["Id"] for c in seeded_clusters if c["dealership_id"] == 202]

    result = sandbox.replay(dealership_id=202)

    assert result == {"delivered": len(gold_coast), "failed": 0}
    assert [r["json"]["Id"] for r in receiver.received] == gold_coast
    assert "Authorization" not in receiver.received[0]["headers"]


def test_replay_counts_deliveries_the_receiver_refuses(sandbox, receiver):
    sandbox.configure(webhook_url=receiver.url)
    receiver.status = 500

    result = sandbox.replay(dealership_id=101)

    assert result["delivered"] == 0
    assert result["failed"] > 200


def test_an_unreachable_receiver_is_recorded_as_an_error(api, sandbox):
    sandbox.configure(webhook_url="http://127.0.0.1:9/nowhere")

    api.put(
        f"/api/v1/dealerships/{BRISBANE}/lead_clusters/5001",
        json={"lead_cluster": {"approved": True}},
        headers=bearer(MANAGER),
    )
    sandbox.flush_webhooks()

    [delivery] = sandbox.webhooks()
    assert delivery["status"] is None
    assert "ConnectError" in delivery["error"]
