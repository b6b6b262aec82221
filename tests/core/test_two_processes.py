"""Two app servers (gunicorn, two workers each) behind one database, written to at once:
webhooks delivered to both, repeated and out of order, and saves through both, leave the
mirror exactly as DealerStudio last said. The database is the test database (PostgreSQL when
DATABASE_URL names it, otherwise the test SQLite file)."""

import json
import os
import random
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils.dateparse import parse_datetime

from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.models import LeadCluster
from tests.conftest import subprocess_database_url

REPO = Path(__file__).resolve().parents[2]
WEBHOOK = "/webhooks/dealerstudio/lead-clusters/"
STATES = ["new", "contacted", "converted", "lost"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    def __init__(self, sandbox_url: str, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": subprocess_database_url(),
            "DEALERSTUDIO_API_URL": sandbox_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
            "DEALERSTUDIO_WEBHOOK_TOKEN": settings.DEALERSTUDIO_WEBHOOK_TOKEN,
            "DEBUG": "false",
            "LOG_FORMAT": "json",
            "CONN_MAX_AGE": "0",
        }
        for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            env.pop(name, None)
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "dealeradmin.wsgi",
                    f"--bind=127.0.0.1:{self.port}",
                    "--workers=2",
                    "--threads=4",
                    "--timeout=60",
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def two_servers(transactional_db, sandbox, tmp_path):
    servers = [AppServer(sandbox.url, tmp_path / f"server-{i}.log") for i in range(2)]
    try:
        for server in servers:
            server.wait()
        yield servers
    finally:
        for server in servers:
            server.stop()


class _FormFields(HTMLParser):
    """The values a browser would submit from the edit form, untouched."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.fields.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data.removeprefix("\n")


def _signed_in(user) -> dict:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {settings.SESSION_COOKIE_NAME: session.session_key}


def _versions(payload: dict, count: int) -> list[dict]:
    modified = parse_datetime(payload["modified"])
    versions = []
    for n in range(1, count + 1):
        version = json.loads(json.dumps(payload))
        version["modified"] = (modified + timedelta(minutes=n)).isoformat()
        version["status"] = STATES[n % len(STATES)]
        versions.append(version)
    return versions


def test_webhooks_and_saves_through_two_servers_at_once_leave_the_mirror_right(
    two_servers, sandbox, seed_payloads, mirror, manager
):
    first, second = two_servers
    # DealerStudio echoes every save to the second server only.
    sandbox.configure(
        webhook_url=f"{second.url}{WEBHOOK}", webhook_token=settings.DEALERSTUDIO_WEBHOOK_TOKEN
    )
    payloads = [json.loads(line) for line in seed_payloads]
    brisbane = [p for p in payloads if p["dealership_id"] == 101]
    pushed, edited = brisbane[:20], brisbane[20:32]

    # Webhooks: three versions of each cluster, each delivered to both servers, in any order.
    deliveries = [
        (server, version) for p in pushed for version in _versions(p, 3) for server in two_servers
    ]
    random.Random(6).shuffle(deliveries)
    headers = {"Authorization": f"Bearer {settings.DEALERSTUDIO_WEBHOOK_TOKEN}"}

    def deliver(item):
        server, payload = item
        return httpx.post(f"{server.url}{WEBHOOK}", json=payload, headers=headers, timeout=30)

    # Saves: each through one server or the other, while the webhooks arrive.
    cookies = _signed_in(manager)
    wanted = {}

    def save(index_and_payload):
        index, payload = index_and_payload
        server = two_servers[index % 2]
        path = f"/leads/brisbane-city-motors/{payload['Id']}/"
        with httpx.Client(base_url=server.url, cookies=cookies, timeout=30) as client:
            page = client.get(path)
            assert page.status_code == 200, page.text[:500]
            parser = _FormFields()
            parser.feed(page.text.split('id="cluster-edit-form"', 1)[1].split("</form>", 1)[0])
            data = parser.fields
            data["lead_state"] = "converted" if data.get("lead_state") != "converted" else "lost"
            wanted[payload["Id"]] = data["lead_state"]
            return client.post(path, data=data)

    with ThreadPoolExecutor(max_workers=16) as pool:
        webhook_answers = pool.map(deliver, deliveries)
        save_answers = pool.map(save, enumerate(edited))
        webhook_answers, save_answers = list(webhook_answers), list(save_answers)

    assert {answer.status_code for answer in webhook_answers} == {200}
    outcomes = [answer.json()["outcome"] for answer in webhook_answers]
    assert outcomes.count("created") == 0
    assert all(answer.status_code == 302 for answer in save_answers), [
        (a.status_code, a.text[:300]) for a in save_answers if a.status_code != 302
    ]
    sandbox.flush_webhooks()

    for payload in pushed:
        latest = _versions(payload, 3)[-1]
        cluster = LeadCluster.objects.get(pk=payload["Id"])
        assert cluster.lead_state == latest["status"], payload["Id"]
        assert cluster.modified == parse_datetime(latest["modified"])

    for cluster_id, state in wanted.items():
        assert LeadCluster.objects.get(pk=cluster_id).lead_state == state, cluster_id
    entries = AuditEntry.objects.filter(cluster_id__in=wanted)
    assert entries.count() == len(edited)
    assert set(entries.values_list("outcome", flat=True)) == {"succeeded"}
    puts = sandbox.requests(method="PUT")
    assert len(puts) == len(edited)
    echoed = {d["cluster_id"] for d in sandbox.webhooks() if d.get("cluster_id") in wanted}
    assert echoed == set(wanted)

    # When DealerStudio's echo reaches the other server before the saving one records what
    # it sent, the mirror must not go on saying the echo has not arrived.
    stuck = list(
        LeadCluster.objects.filter(pk__in=wanted, written_by_us_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert not stuck, f"clusters still awaiting an echo that arrived: {stuck}"
