"""The measurements, each with its baseline taken in the same process and the same run.

Pages are driven through Django's test Client in this process, so a figure is server time
(URL routing, middleware, view, queries, template) without a network or a browser. Timed
requests alternate with their baseline's, so a slow moment hurts both alike.
"""

import gzip
import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core import signing
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from dealeradmin.accounts.models import Dealership
from dealeradmin.clusters.forms import BASE_SALT
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.clusters.services import editable_values

from .seed import BENCH_USERNAME, FIRST_SYNTHETIC_ID, GROUP_TOKEN

DEALERSHIP_SLUG = "brisbane-city-motors"
DEALERSHIP_ID = 101
SEARCH = "gmail"
STATE = "new"
LIST_URL = f"/leads/?q={SEARCH}&state={STATE}&dealership={DEALERSHIP_SLUG}&per_page=50"
ADMIN_URL = (
    "/bench-admin/clusters/leadcluster/"
    f"?q={SEARCH}&lead_state__exact={STATE}&dealership_id__exact={DEALERSHIP_ID}"
)
BOARD_URL = f"/board/?group=state&q={SEARCH}&dealership={DEALERSHIP_SLUG}"
BOARD_CARDS = 25
EDIT_CLUSTER = 5001  # the sandbox's first cluster: it exists upstream too
WEBHOOK_URL = "/webhooks/dealerstudio/lead-clusters/"
FIRST_WEBHOOK_ID = 9_000_000
PAYLOAD_TEMPLATES = 100  # distinct payloads the webhook deliveries are made from
TAG_JOB_LATENCY_MS = 50
NOT_AVAILABLE = "not available"
FORM_ENCODED = "application/x-www-form-urlencoded"


@dataclass
class Row:
    what: str
    figure: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "—"
    passed: bool | None = None  # None: informational, or not measured


@dataclass
class Counts:
    page: str
    queries: int
    upstream: int


class Bench:
    def __init__(self, *, sandbox, iterations: int, quick: bool, log=print):
        self.sandbox = sandbox
        self.iterations = iterations
        self.quick = quick
        self.log = log
        self.rows: list[Row] = []
        self.counts: list[Counts] = []
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username=BENCH_USERNAME))
        self.pages: dict[str, bytes] = {}
        self.bare_put_ms = 0.0

    # helpers -------------------------------------------------------------------------------

    def timed(self, method: str, url: str, expect: int = 200, **kwargs) -> float:
        started = time.perf_counter()
        response = getattr(self.client, method)(url, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}")
        return elapsed

    def count(self, page: str, method: str, url: str, client=None, **kwargs):
        # Counted where they arrive: the sandbox logs every API request it answers.
        before = len(self.sandbox.requests())
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client or self.client, method)(url, **kwargs)
        upstream = len(self.sandbox.requests()) - before
        self.counts.append(Counts(page, len(queries), upstream))
        return response, len(queries)

    def alternate(self, first, second, n: int) -> tuple[list[float], list[float]]:
        a, b = [], []
        for _ in range(n):
            a.append(first())
            b.append(second())
        return a, b

    # measurements --------------------------------------------------------------------------

    def list_vs_admin(self) -> float:
        for _ in range(3):  # warm up templates, URL resolvers and the database's caches
            self.timed("get", LIST_URL)
            self.timed("get", ADMIN_URL)
        ours, admin = self.alternate(
            lambda: self.timed("get", LIST_URL),
            lambda: self.timed("get", ADMIN_URL),
            self.iterations,
        )
        ours_ms, admin_ms = statistics.median(ours), statistics.median(admin)
        response, list_queries = self.count("list (50 rows)", "get", LIST_URL)
        self.pages["list"] = response.content
        _, admin_queries = self.count("admin changelist (50 rows)", "get", ADMIN_URL)
        self.rows.append(
            Row(
                "list page, 50 rows, search + 2 filters: median server time",
                f"{ours_ms:.1f} ms",
                f"{admin_ms:.1f} ms (Django admin changelist)",
                f"{ours_ms / admin_ms:.2f}×",
                "≤ 0.7×",
                ours_ms <= 0.7 * admin_ms,
            )
        )
        self.rows.append(
            Row(
                "list page: SQL queries",
                str(list_queries),
                f"{admin_queries} (admin)",
                f"{list_queries / admin_queries:.2f}×",
                "—",
                None,
            )
        )
        by_size = {}
        for per_page in (25, 100):
            url = LIST_URL.replace("per_page=50", f"per_page={per_page}")
            by_size[per_page] = self.count(f"list ({per_page} rows)", "get", url)[1]
        constant = by_size[25] == list_queries == by_size[100]
        self.rows.append(
            Row(
                "list page: queries at 25 / 50 / 100 rows per page",
                f"{by_size[25]} / {list_queries} / {by_size[100]}",
                target="constant",
                passed=constant,
            )
        )
        return ours_ms

    def board(self, list_ms: float) -> None:
        try:
            from dealeradmin.board import views as board_views
        except ImportError:
            board_views = None
        response = self.client.get(BOARD_URL)
        if board_views is None or response.status_code != 200 or b"Coming soon" in response.content:
            self.rows.append(
                Row("board, 5 columns × 25 cards", NOT_AVAILABLE, target="≤ 1.5× list")
            )
            return
        patch = (
            mock.patch.object(board_views, "PER_COLUMN", BOARD_CARDS)
            if hasattr(board_views, "PER_COLUMN")
            else _nothing()
        )
        with patch:
            for _ in range(3):
                self.timed("get", BOARD_URL)
            board_ms, list_again = self.alternate(
                lambda: self.timed("get", BOARD_URL),
                lambda: self.timed("get", LIST_URL),
                self.iterations,
            )
            response, queries = self.count("board (5 × 25)", "get", BOARD_URL)
        self.pages["board"] = response.content
        board_median, list_median = statistics.median(board_ms), statistics.median(list_again)
        self.rows.append(
            Row(
                f"board, 5 columns × {BOARD_CARDS} cards: median server time",
                f"{board_median:.1f} ms ({queries} queries)",
                f"{list_median:.1f} ms (list page)",
                f"{board_median / list_median:.2f}×",
                "≤ 1.5× list",
                board_median <= 1.5 * list_median,
            )
        )

    def edit(self) -> None:
        cluster = LeadCluster.objects.get(pk=EDIT_CLUSTER)
        url = f"/leads/{DEALERSHIP_SLUG}/{cluster.id}/"
        for _ in range(3):
            self.timed("get", url)
        get_ms = [self.timed("get", url) for _ in range(self.iterations)]
        response, _ = self.count("edit (GET)", "get", url)
        self.pages["edit"] = response.content
        get_median = statistics.median(get_ms)
        self.rows.append(
            Row(
                "edit page GET: median server time",
                f"{get_median:.1f} ms",
                "— (no upstream call)",
                "—",
                "≤ 10 ms",
                get_median <= 10,
            )
        )

        put_url = (
            f"{self.sandbox.url}/api/v1/dealerships/{DEALERSHIP_SLUG}/lead_clusters/{cluster.id}"
        )
        bare = httpx.Client(headers={"Authorization": f"Bearer {GROUP_TOKEN}"}, timeout=30)
        states = ["contacted", "new"]

        def save(n=[0]) -> float:  # noqa: B006 - a counter that survives between calls
            n[0] += 1
            data = _edit_form_data(cluster.id, states[n[0] % 2])
            started = time.perf_counter()
            response = self.client.post(url, data=data, content_type=FORM_ENCODED)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 302:
                raise RuntimeError(f"POST {url} answered {response.status_code}")
            # Untimed, as a browser does next: the page it lands on shows the "Saved" message
            # and drops it. Unfollowed, every save's message piles up in the messages cookie,
            # and each later save decodes and re-signs them all (a quarter of its time).
            self.client.get(response.url)
            return elapsed

        def bare_put(n=[0]) -> float:  # noqa: B006
            n[0] += 1
            body = {"lead_cluster": {"lead_state": states[n[0] % 2]}}
            started = time.perf_counter()
            bare.put(put_url, json=body).raise_for_status()
            return (time.perf_counter() - started) * 1000

        for _ in range(3):
            save()
            bare_put()
        save_ms, put_ms = self.alternate(save, bare_put, self.iterations)
        bare.close()
        data = _edit_form_data(cluster.id, "lost")
        self.count(
            "edit save (POST → PUT → redirect)", "post", url, data=data, content_type=FORM_ENCODED
        )
        self.bare_put_ms = statistics.median(put_ms)
        overhead = statistics.median(save_ms) - self.bare_put_ms
        self.rows.append(
            Row(
                "edit save (POST → PUT → redirect): median overhead over the PUT",
                f"{overhead:.1f} ms (save {statistics.median(save_ms):.1f} ms)",
                f"{statistics.median(put_ms):.1f} ms (bare httpx PUT)",
                "—",
                "≤ 10 ms",
                overhead <= 10,
            )
        )

    def webhook_ingest(self, deliveries: int) -> None:
        templates = _payloads(self.sandbox)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {settings.DEALERSTUDIO_WEBHOOK_TOKEN}"}
        # DealerStudio posts without a session cookie: the logged-in client's cookie would
        # make every delivery read a session and a user the webhook never asks for.
        client = Client()
        half = deliveries // 2
        total = 0.0
        for n in range(deliveries):
            payload = _delivery(templates, n, half)
            body = _json(payload)
            started = time.perf_counter()
            response = client.post(WEBHOOK_URL, data=body, content_type="application/json", **auth)
            total += time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"webhook answered {response.status_code}: {response.content}")
        for label, n in (("webhook (new cluster)", deliveries), ("webhook (update)", half + 1)):
            payload = _delivery(templates, n, half) if n < deliveries else None
            if payload is None:
                payload = _delivery(templates, 0, half)
                payload["Id"] = FIRST_WEBHOOK_ID + deliveries
            payload["modified"] = _later(payload["modified"], hours=24)
            self.count(
                label,
                "post",
                WEBHOOK_URL,
                client=client,
                data=_json(payload),
                content_type="application/json",
                **auth,
            )
        rate = deliveries / total
        self.rows.append(
            Row(
                f"webhook ingest: payloads per second over {deliveries} deliveries",
                f"{rate:.0f}/s",
                "—",
                "—",
                "≥ 500/s" if connection.vendor == "sqlite" else "≥ 500/s (SQLite target)",
                rate >= 500 if connection.vendor == "sqlite" else None,
            )
        )

    def tag_merge(self, clusters: int) -> None:
        what = f"tag merge over {clusters} clusters, sandbox latency {TAG_JOB_LATENCY_MS} ms"
        try:
            from dealeradmin.tags import jobs, plans
            from dealeradmin.tags.models import TagJob
        except ImportError:
            jobs = None
        if jobs is None or not hasattr(jobs, "tag_job_run") or not hasattr(jobs, "tag_job_create"):
            self.rows.append(Row(what, NOT_AVAILABLE, target="≥ 70 % of ideal"))
            return
        # Only clusters the sandbox holds: a synthetic one (the sandbox only knows its own seed)
        # would be answered 404 without the update's work, a failure that flatters the figure.
        ids = list(
            LeadCluster.objects.filter(id__lt=FIRST_SYNTHETIC_ID)
            .order_by("id")
            .values_list("id", flat=True)[:clusters]
        )
        held = plans.current_tags(ids)
        target = "Bench merged tag"
        changes = [
            plans.Change(did, cid, old, plans.with_added(old, target))
            for cid, (did, old) in sorted(held.items())
        ]
        user = get_user_model().objects.get(username=BENCH_USERNAME)
        job = jobs.tag_job_create(
            user=user,
            kind=TagJob.Kind.MERGE,
            summary="benchmark",
            params={"sources": [], "target": target},
            changes=changes,
        )
        self.sandbox.configure(latency_ms=TAG_JOB_LATENCY_MS)
        concurrency = settings.TAG_JOB_CONCURRENCY
        try:
            # What the sandbox itself allows: the same PUTs, bare, at the same concurrency.
            bare = self._bare_puts(changes, concurrency)
            started = time.perf_counter()
            job = jobs.tag_job_run(job.id, concurrency=concurrency)
            wall = time.perf_counter() - started
        finally:
            self.sandbox.configure(latency_ms=0)
        ideal = len(changes) * TAG_JOB_LATENCY_MS / 1000 / concurrency
        if len(changes) < clusters:
            what = (
                f"tag merge over {len(changes)} clusters (all the sandbox holds), "
                f"sandbox latency {TAG_JOB_LATENCY_MS} ms"
            )
        self.rows.append(
            Row(
                what,
                f"{wall:.1f} s ({job.done_count} done, {job.failed_count} failed)",
                f"{ideal:.1f} s ideal at concurrency {concurrency} (the same PUTs sent bare "
                f"at that concurrency take {bare:.1f} s, {ideal / bare:.0%} of ideal: the "
                f"sandbox's own cost; a single bare PUT takes {self.bare_put_ms:.0f} ms before "
                "the added latency)",
                f"{ideal / wall:.0%} of ideal",
                "≥ 70 % of ideal",
                ideal / wall >= 0.7,
            )
        )

    def _bare_puts(self, changes, concurrency: int) -> float:
        """Seconds for the job's PUTs sent straight to the sandbox by `concurrency` threads."""
        slugs = dict(Dealership.objects.values_list("id", "slug"))
        base = f"{self.sandbox.url}/api/v1/dealerships"
        headers = {"Authorization": f"Bearer {GROUP_TOKEN}"}
        with httpx.Client(headers=headers, timeout=30) as bare:

            def put(change) -> None:
                url = f"{base}/{slugs[change.dealership_id]}/lead_clusters/{change.cluster_id}"
                bare.put(url, json={"lead_cluster": {"tags": change.new}}).raise_for_status()

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(put, changes))
            return time.perf_counter() - started

    def page_weight(self) -> None:
        for page in ("list", "edit", "board"):
            html = self.pages.get(page)
            if html is None:
                self.rows.append(Row(f"page weight: {page}", NOT_AVAILABLE, target="≤ 60 KB"))
                continue
            assets = _assets(html)
            size = sum(len(gzip.compress(_static_bytes(path), compresslevel=9)) for path in assets)
            self.rows.append(
                Row(
                    f"page weight: {page} (JS + CSS, gzipped, {len(assets)} files)",
                    f"{size / 1024:.1f} KB",
                    "—",
                    "—",
                    "≤ 60 KB",
                    size <= 60 * 1024,
                )
            )

    def as_dicts(self) -> dict:
        return {
            "rows": [asdict(r) for r in self.rows],
            "counts": [asdict(c) for c in self.counts],
        }


@contextmanager
def _nothing():
    yield


def python_workload_ms(repeat: int = 5) -> float:
    """Median milliseconds of a fixed piece of the Python a page runs (building a query's SQL,
    rendering a template), with no database and no I/O: how fast this machine is right now."""
    template = engines["django"].from_string(
        "{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.email|lower }}</td>"
        "<td>{{ row.seen|date:'j M Y' }}</td></tr>{% endfor %}"
    )
    seen = parse_datetime("2026-01-02T03:04:05+10:00")
    rows = [
        {"name": f"Customer {n}", "email": f"C{n}@Example.com", "seen": seen} for n in range(50)
    ]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(20):
            clusters = LeadCluster.objects.filter(
                dealership_id=DEALERSHIP_ID, lead_state=STATE, contact_email__icontains=SEARCH
            ).order_by("-last_lead_created_at", "-id")
            str(clusters[:50].query)
            template.render({"rows": rows})
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _edit_form_data(cluster_id: int, lead_state: str) -> str:
    """The edit form as a person would post it from the page, with another lead state (the
    form has no enctype, so a browser sends it URL-encoded, not as the test client's default
    multipart)."""
    cluster = LeadCluster.objects.prefetch_related("tag_links__tag", "cars").get(pk=cluster_id)
    current = editable_values(cluster, tags=cluster.tag_names(), cars=list(cluster.cars.all()))
    data = {
        "user_id": current["user_id"] or "",
        "secondary_user_id": current["secondary_user_id"] or "",
        "location_id": current["location_id"] or "",
        "lead_status_option_id": current["lead_status_option_id"] or "",
        "lead_status_option_other": "",
        "lead_state": lead_state,
        "tags": "\n".join(current["tags"]),
        "car_ids": ", ".join(str(c) for c in current["car_ids"]),
        "base": signing.dumps(current, salt=BASE_SALT, compress=True),
        "cars-TOTAL_FORMS": len(current["cars"]),
        "cars-INITIAL_FORMS": len(current["cars"]),
        "cars-MIN_NUM_FORMS": 0,
        "cars-MAX_NUM_FORMS": 50,
    }
    if current["approved"]:
        data["approved"] = "on"
    for i, car in enumerate(current["cars"]):
        for name, value in car.items():
            data[f"cars-{i}-{name}"] = "" if value is None else value
    return urlencode(data)


def _payloads(sandbox) -> list[str]:
    """The sandbox's first payloads as JSON text, each parsed afresh per delivery: all of them,
    parsed and held, were 10 MB of the benchmark's own in the server's peak memory."""
    text = sandbox.export_jsonl(limit=PAYLOAD_TEMPLATES)
    return [line for line in text.splitlines() if line.strip()]


def _json(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def _later(value: str, *, hours: int) -> str:
    return (parse_datetime(value) + timedelta(hours=hours)).isoformat()


def _delivery(templates: list[str], n: int, half: int) -> dict:
    """The first half creates clusters; the second updates them, a fifth with other tags."""
    index = n % half
    payload = json.loads(templates[index % len(templates)])
    payload["Id"] = FIRST_WEBHOOK_ID + index
    if n >= half:
        payload["modified"] = _later(payload["modified"], hours=1)
        payload["lead_events"].append(
            {
                "id": 90_000_000 + n,
                "event_type": "note",
                "description": "Called again.",
                "created_at": payload["modified"],
            }
        )
        if n % 5 == 0:
            payload["tags"] = [*payload.get("tags", []), "Called twice"]
    return payload


ASSET = re.compile(
    rb'<script[^>]+src="([^"]+)"|<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"'
    rb'|<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"'
)


def _assets(html: bytes) -> list[str]:
    found = []
    for match in ASSET.finditer(html):
        url = next(group for group in match.groups() if group).decode()
        if url.startswith(settings.STATIC_URL) and url not in found:
            found.append(url)
    return found


def _static_bytes(url: str) -> bytes:
    path = finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0])
    if path is None:
        raise RuntimeError(f"{url} is not a static file")
    with open(path, "rb") as handle:
        return handle.read()


def rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0
