import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from dealeradmin.sandbox.testing import SandboxServer

MANAGER = "dsk_manager_0001_a1b2c3d4e5f6"
GROUP = "dsk_group_0002_f6e5d4c3b2a1"
GOLD_COAST = "dsk_second_0003_9f8e7d6c5b4a"
BRISBANE = "brisbane-city-motors"


@pytest.fixture(scope="session")
def sandbox():
    with SandboxServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox):
    sandbox.reset(webhook_url=None, webhook_token=None)
    return sandbox


@pytest.fixture
def api(sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=10.0) as client:
        yield client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def seeded_clusters(sandbox) -> list[dict]:
    sandbox.reset()
    return [json.loads(line) for line in sandbox.export_jsonl().splitlines()]


@pytest.fixture
def find_cluster(seeded_clusters):
    def find(predicate, dealership_id=101) -> dict:
        return next(
            c for c in seeded_clusters if c["dealership_id"] == dealership_id and predicate(c)
        )

    return find


class WebhookReceiver:
    """A tiny HTTP server that records every POST it gets and answers a chosen status."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.arrived:
                    receiver.received.append(
                        {"headers": dict(self.headers), "json": json.loads(body)}
                    )
                    receiver.arrived.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/dealerstudio"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()
