"""Load test: ~30 managers for a minute against the production-style server, then proof that
nothing acknowledged was lost.

    .venv/bin/python loadtest/run.py [--users 30] [--minutes 1] [--workers 4] [--latency-ms 80]

Starts, on free loopback ports: the DealerStudio sandbox (with the given latency, delivering its
webhooks to the dashboard) and gunicorn (several workers, DEBUG off, hashed static files, JSON
logs) on a fresh PostgreSQL database (LOADTEST_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dealeradmin_loadtest). Then runs Locust headless with
loadtest/locustfile.py, checks every acknowledged save and move against the sandbox's request log
and the audit log, and writes loadtest/REPORT.md. Everything it starts, it stops.
"""

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "var" / "loadtest"
PY = sys.executable
MANAGER_TOKEN = "dsk_manager_0001_a1b2c3d4e5f6"
PASSWORD = "load-test passphrase 2024"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dealeradmin_loadtest"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def run(*args: str, env: dict, stdin: str | None = None) -> str:
    result = subprocess.run(
        args, cwd=REPO, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


SETUP = """
from django.contrib.auth import get_user_model
from dealeradmin.accounts.services import token_store
for n in range(1, {users} + 1):
    user = get_user_model().objects.create_user(f"manager{{n:02d}}", password={password!r})
    token_store(user=user, token={token!r})
"""

VERIFY = """
import json
from dealeradmin.audit.models import AuditEntry
entries = AuditEntry.objects.all()
print(json.dumps([
    {"action": e.action, "cluster": e.cluster_id, "outcome": e.outcome,
      "body": e.request_body} for e in entries
]))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=80)
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DB)
    app_port, sandbox_port = free_port(), free_port()
    app_url, sandbox_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{sandbox_port}"
    webhook_token = os.urandom(16).hex()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEBUG": "false",
        "STATIC_MANIFEST": "true",
        "LOG_FORMAT": "json",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEALERSTUDIO_API_URL": sandbox_url,
        "DEALERSTUDIO_WEBHOOK_TOKEN": webhook_token,
        "SIGN_IN_MAX_ATTEMPTS": "1000",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    processes: list[subprocess.Popen] = []
    try:
        recreate_database(database)
        run(PY, "manage.py", "migrate", "--noinput", env=env)
        run(PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", env=env)

        sandbox_env = {**env, "SANDBOX_DB_PATH": str(OUT / "sandbox.sqlite3")}
        (OUT / "sandbox.sqlite3").unlink(missing_ok=True)
        with open(OUT / "sandbox.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [
                        PY, "manage.py", "runsandbox", "--settings=dealeradmin.sandbox.settings",
                        f"--port={sandbox_port}", f"--latency-ms={options.latency_ms}",
                        f"--webhook-url={app_url}/webhooks/dealerstudio/lead-clusters/",
                    ],
                    cwd=REPO, env={**sandbox_env, "SANDBOX_WEBHOOK_TOKEN": webhook_token},
                    stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        wait_for(f"{sandbox_url}/__sandbox__/config")
        httpx.post(f"{sandbox_url}/__sandbox__/reset", json={}, timeout=60).raise_for_status()
        export = httpx.get(f"{sandbox_url}/__sandbox__/export.jsonl", timeout=60).text
        print(run(PY, "manage.py", "import_clusters", "-", env=env, stdin=export).strip())
        run(
            PY, "manage.py", "shell", "-c",
            SETUP.format(users=options.users, password=PASSWORD, token=MANAGER_TOKEN), env=env,
        )  # fmt: skip

        with open(OUT / "server.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [
                        str(Path(PY).parent / "gunicorn"), "dealeradmin.wsgi",
                        "--bind", f"127.0.0.1:{app_port}", "--workers", str(options.workers),
                        "--threads", str(options.threads), "--timeout", "30",
                        # Longer than Locust's longest pause, so a kept-alive connection is not
                        # closed just as a user sends on it (a reset that no browser would see).
                        "--keep-alive", "5",
                    ],
                    cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        wait_for(f"{app_url}/healthz")

        acknowledged_path = OUT / "acknowledged.json"
        acknowledged_path.unlink(missing_ok=True)
        seconds = int(options.minutes * 60)
        started = datetime.now(UTC)
        locust = subprocess.run(
            [
                str(Path(PY).parent / "locust"), "-f", "loadtest/locustfile.py", "--headless",
                "--users", str(options.users), "--spawn-rate", str(max(1, options.users // 5)),
                "--run-time", f"{seconds}s", "--host", app_url, "--csv", str(OUT / "locust"),
                "--only-summary", "--stop-timeout", "10",
            ],
            cwd=REPO, capture_output=True, text=True,
            env={**os.environ, "LOADTEST_ACKNOWLEDGED": str(acknowledged_path),
                 "LOADTEST_USERS": str(options.users), "LOADTEST_PASSWORD": PASSWORD},
        )  # fmt: skip
        (OUT / "locust.log").write_text(locust.stdout + locust.stderr)
        httpx.post(f"{sandbox_url}/__sandbox__/webhooks/flush", timeout=120)
        acknowledged = json.loads(acknowledged_path.read_text())
        sandbox_log = httpx.get(f"{sandbox_url}/__sandbox__/requests", timeout=60).json()
        audit = json.loads(run(PY, "manage.py", "shell", "-c", VERIFY, env=env).splitlines()[-1])
        server_log = (OUT / "server.log").read_text()
        report = write_report(
            options, started, acknowledged, sandbox_log, audit, server_log, locust.returncode
        )
        print(report)
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def verify(acknowledged: dict, sandbox_log: list[dict], audit: list[dict]) -> dict:
    puts = [r for r in sandbox_log if r["method"] == "PUT"]
    put_markers = Counter(
        tag
        for r in puts
        if isinstance(r.get("body"), dict)
        for tag in (r["body"].get("lead_cluster") or {}).get("tags") or []
        if tag.startswith("load-")
    )
    audit_markers = Counter(
        tag
        for e in audit
        if e["action"] == "edit" and e["outcome"] == "succeeded" and e["body"]
        for tag in e["body"]["lead_cluster"].get("tags") or []
        if tag.startswith("load-")
    )
    saves = acknowledged["saves"]
    save_problems = [
        s["marker"]
        for s in saves
        if put_markers[s["marker"]] != 1 or audit_markers[s["marker"]] != 1
    ]
    move_puts = Counter(
        (int(r["path"].rstrip("/").rsplit("/", 1)[1]), r["body"]["lead_cluster"]["user_id"])
        for r in puts
        if r.get("status") and 200 <= r["status"] < 300
        and isinstance(r.get("body"), dict)
        and set(r["body"].get("lead_cluster") or {}) == {"user_id"}
    )  # fmt: skip
    moves = Counter((m["cluster"], m["to"]) for m in acknowledged["moves"])
    audit_moves = Counter(
        (e["cluster"], e["body"]["lead_cluster"]["user_id"])
        for e in audit
        if e["action"] == "board_move" and e["outcome"] == "succeeded"
    )
    return {
        "puts": len(puts),
        "put_statuses": Counter(str(r.get("status")) for r in puts),
        "saves": len(saves),
        "save_problems": save_problems,
        "moves": sum(moves.values()),
        "move_problems": [
            k for k in moves if moves[k] != move_puts[k] or moves[k] != audit_moves[k]
        ]
        + [k for k in move_puts if k not in moves],
        "pending_audit": sum(1 for e in audit if e["outcome"] == "pending"),
    }


def write_report(options, started, acknowledged, sandbox_log, audit, server_log, exit_code):
    with open(OUT / "locust_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    checks = verify(acknowledged, sandbox_log, audit)
    server_errors = server_log.count("Traceback")
    for line in server_log.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            server_errors += entry.get("event") == "request" and entry.get("status", 0) >= 500
    lines = [
        "# Load test report",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with:",
        "",
        "```",
        f".venv/bin/python loadtest/run.py --users {options.users} --minutes {options.minutes:g} "
        f"--workers {options.workers} --latency-ms {options.latency_ms}",
        "```",
        "",
        " ".join(
            [
                f"{options.users} simulated managers (Locust, 1–3 s between actions) for",
                f"{options.minutes:g} minute(s) against gunicorn ({options.workers} workers ×",
                f"{options.threads} threads, keep-alive 5 s, DEBUG off, JSON logs) on PostgreSQL,",
                f"and the sandbox answering every API call after {options.latency_ms} ms and",
                "delivering its webhook back after each save. All managers share one Brisbane",
                "token, so they often edit the same clusters. Locust, gunicorn, PostgreSQL and",
                f"the sandbox share one machine with {os.cpu_count()} CPUs, so the times below",
                "include waiting for a CPU.",
            ]
        ),
        "",
        "| Request | Count | Failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} |"
        )
    lines += [
        "",
        "## Nothing lost",
        "",
        f"- Saves acknowledged (302 after the POST): {checks['saves']}; each carried a unique tag. "
        f"Missing from, or repeated in, the sandbox's PUT log or the audit log: "
        f"{len(checks['save_problems'])} {checks['save_problems'][:5]}",
        f"- Board moves acknowledged (htmx success): {checks['moves']}. Without exactly one "
        f"matching 2xx PUT and one audit entry: {len(checks['move_problems'])} "
        f"{checks['move_problems'][:5]}",
        f"- PUTs in the sandbox's log: {checks['puts']} (statuses {dict(checks['put_statuses'])})",
        f"- Audit entries still pending: {checks['pending_audit']}",
        f"- 5xx answers or tracebacks in the server's log: {server_errors}",
        f"- Locust exit code: {exit_code}",
        "",
        "Raw output: var/loadtest/ (locust_stats.csv, locust.log, server.log, sandbox.log).",
    ]
    report = "\n".join(lines) + "\n"
    (REPO / "loadtest" / "REPORT.md").write_text(report)
    return report


if __name__ == "__main__":
    main()
