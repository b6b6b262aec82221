"""One JSON line per request: id, person, method, path, status, duration and upstream calls;
never a query string, header, body or token."""

import json
import logging

import pytest

from dealeradmin.core.logs import JsonFormatter
from tests.conftest import MANAGER_TOKEN


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="dealeradmin.request")
    formatter = JsonFormatter()

    def lines() -> list[dict]:
        return [
            json.loads(formatter.format(record))
            for record in caplog.records
            if record.name == "dealeradmin.request"
        ]

    return lines


def test_each_request_logs_one_line_with_its_id_also_in_the_response(
    manager_client, manager, request_lines
):
    response = manager_client.get("/leads/", {"q": "jane@example.com"})
    (line,) = request_lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["user_id"] == manager.pk
    assert line["method"] == "GET"
    assert line["path"] == "/leads/"
    assert line["status"] == 200
    assert line["ms"] > 0
    assert line["upstream"] == []
    assert "jane" not in json.dumps(line)


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(manager_client, request_lines):
    kept = manager_client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert kept["X-Request-ID"] == "lb-1234abcd"
    replaced = manager_client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert replaced["X-Request-ID"] != "bad id\nwith newline"
    assert [line["request_id"] for line in request_lines()] == [
        "lb-1234abcd",
        replaced["X-Request-ID"],
    ]


def test_upstream_calls_are_logged_with_their_timings_and_no_token(manager_client, request_lines):
    from dealeradmin.clusters.models import LeadCluster

    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    url = f"/leads/brisbane-city-motors/{cluster.id}/"
    page = manager_client.get(url)
    form = page.context["form"]
    data = {
        "base": form["base"].value(),
        "user_id": cluster.assignee_id or "",
        "lead_state": "converted" if cluster.lead_state != "converted" else "lost",
        "location_id": cluster.location_id or "",
        "tags": "\n".join(cluster.tag_names()),
        "car_ids": " ".join(str(c) for c in cluster.car_ids),
        "cars-TOTAL_FORMS": "0",
        "cars-INITIAL_FORMS": "0",
    }
    if cluster.approved:
        data["approved"] = "on"
    if cluster.lead_status_option_id:
        data["lead_status_option_id"] = cluster.lead_status_option_id
    if cluster.secondary_user_id:
        data["secondary_user_id"] = cluster.secondary_user_id
    manager_client.post(url, data)
    line = request_lines()[-1]
    assert line["method"] == "POST"
    (call,) = line["upstream"]
    assert call["method"] == "PUT"
    assert call["path"] == f"/api/v1/dealerships/brisbane-city-motors/lead_clusters/{cluster.id}"
    assert call["status"] == 200
    assert call["ms"] > 0
    text = json.dumps(request_lines())
    assert MANAGER_TOKEN not in text and MANAGER_TOKEN[-4:] not in text
    assert "csrf" not in text.lower() and "sessionid" not in text


def test_an_anonymous_request_logs_no_person(db, client, request_lines):
    client.get("/healthz")
    assert request_lines()[0]["user_id"] is None


def test_json_lines_carry_the_request_id_of_any_log_made_while_serving():
    from dealeradmin.core.logs import request_id

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello %s", ("there",), None)
    token = request_id.set("abc123abc123")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "hello there"
    assert line["request_id"] == "abc123abc123"
    assert line["level"] == "WARNING"
