"""/healthz: reachable without signing in; the database decides 200 or 503."""

import json

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.fixture
def anonymous(db) -> Client:
    return Client()


def test_it_reports_both_reachable_without_a_sign_in(anonymous, sandbox):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["dealerstudio"] == {"ok": True, "status": 401, "ms": body["dealerstudio"]["ms"]}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("status", [404, 500])
def test_an_api_url_that_answers_404_or_5xx_degrades(anonymous, sandbox, status):
    # A 404 from the key-details endpoint: DEALERSTUDIO_API_URL names something else.
    sandbox.inject_fault(method="GET", path="/api/v1/apikeys/*", status=status)
    body = json.loads(anonymous.get("/healthz").content)
    assert body["status"] == "degraded"
    assert body["dealerstudio"]["ok"] is False and body["dealerstudio"]["status"] == status


def test_dealerstudio_down_degrades_but_stays_200(anonymous, settings):
    settings.DEALERSTUDIO_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["dealerstudio"] == {"ok": False, "status": None, "ms": body["dealerstudio"]["ms"]}


def test_a_database_that_does_not_answer_is_503(anonymous, sandbox, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect to server: secret-host")

    monkeypatch.setattr("dealeradmin.core.views.connection", Unreachable())
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert "secret-host" not in response.content.decode()
