"""`manage.py benchmark --clusters 10000 [--database-url postgres://…]`: seed a throwaway mirror,
measure every page against its baseline in the same run, print one table, record it.

The work happens in two child processes pointed at the throwaway database: one seeds it, a
fresh one measures (so its memory figure is a server process's, not the seeder's). This
process only creates and drops the database and prints the result.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.test.utils import override_settings

from dealeradmin.benchmarks import report
from dealeradmin.benchmarks.databases import ThrowawayDatabase

RESULTS = settings.BASE_DIR / "benchmarks" / "RESULTS.md"


class Command(BaseCommand):
    help = "Seeds a throwaway mirror and measures the pages against same-run baselines."

    def add_arguments(self, parser):
        parser.add_argument("--clusters", type=int, default=10_000)
        parser.add_argument(
            "--database-url",
            help="A PostgreSQL server to benchmark on (its dealeradmin_bench database is "
            "created and dropped). Without it, a temporary SQLite file.",
        )
        parser.add_argument(
            "--quick", action="store_true", help="Few iterations; for smoke tests, not figures"
        )
        parser.add_argument("--iterations", type=int, help="Timed requests per page")
        parser.add_argument("--no-record", action="store_true", help=f"Don't append to {RESULTS}")
        parser.add_argument("--results", type=Path, default=RESULTS)
        parser.add_argument("--phase", choices=["seed", "measure"], help=argparse.SUPPRESS)
        parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["clusters"] < 1:
            raise CommandError("--clusters must be at least 1")
        if options["phase"] == "seed":
            return self._seed(options)
        if options["phase"] == "measure":
            return self._measure(options)
        return self._run(options)

    # the parent ------------------------------------------------------------------------------

    def _run(self, options) -> None:
        throwaway = ThrowawayDatabase(options["database_url"])
        with throwaway as url, tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "result.json"
            started = time.monotonic()
            self._child(url, options, "seed")
            seeded = time.monotonic()
            self._child(url, options, "measure", "--output", str(output))
            result = json.loads(output.read_text())
            result["seed_seconds"] = seeded - started
            result["measure_seconds"] = time.monotonic() - seeded
        self.stdout.write("\n" + report.table(result["rows"]) + "\n")
        self.stdout.write("\n" + report.counts_table(result["counts"]) + "\n")
        self.stdout.write(f"\n{result['machine']}\n")
        if not options["no_record"]:
            report.record(
                options["results"],
                command=_command_line(),
                vendor=throwaway.vendor,
                clusters=options["clusters"],
                result=result,
            )
            self.stdout.write(f"Recorded in {options['results']}\n")

    def _child(self, url: str, options, phase: str, *extra: str) -> None:
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "benchmark",
            "--phase",
            phase,
            "--clusters",
            str(options["clusters"]),
            *(["--quick"] if options["quick"] else []),
            *(["--iterations", str(options["iterations"])] if options["iterations"] else []),
            *extra,
        ]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",
        }
        finished = subprocess.run(command, env=env, cwd=settings.BASE_DIR)
        if finished.returncode:
            raise CommandError(f"The benchmark's {phase} step failed (exit {finished.returncode}).")

    # the children ----------------------------------------------------------------------------

    def _seed(self, options) -> None:
        from dealeradmin.benchmarks.seed import seed_mirror, upstream_clusters
        from dealeradmin.sandbox.testing import SandboxServer

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        sandbox = SandboxServer(clusters=upstream_clusters(options["quick"]))
        with sandbox, override_settings(DEALERSTUDIO_API_URL=sandbox.url):
            seed_mirror(
                clusters=options["clusters"],
                sandbox=sandbox,
                progress=self.stderr.write,
            )
        if connection.vendor == "postgresql":
            self.stderr.write(f"Settled the database: {', '.join(_settle_postgresql())}")
        self.stderr.write(
            f"Seeded {options['clusters']:,} clusters in {time.monotonic() - started:.0f} s"
        )

    def _measure(self, options) -> None:
        from dealeradmin.benchmarks.measure import Bench, Row, python_workload_ms, rss_kb
        from dealeradmin.benchmarks.seed import (
            QUICK_TAG_MERGE_CLUSTERS,
            TAG_MERGE_CLUSTERS,
            upstream_clusters,
        )
        from dealeradmin.sandbox.testing import SandboxServer

        quick = options["quick"]
        iterations = options["iterations"] or (3 if quick else 50)
        with override_settings(ROOT_URLCONF="dealeradmin.benchmarks.urls"):
            # Started up as the server starts (every view imported, the collector tuned).
            import dealeradmin.wsgi  # noqa: F401

            idle_kb = rss_kb()
            sandbox = SandboxServer(clusters=upstream_clusters(quick))
            with sandbox, override_settings(DEALERSTUDIO_API_URL=sandbox.url):
                bench = Bench(sandbox=sandbox, iterations=iterations, quick=quick)
                self.stderr.write("measuring: list page and Django admin")
                list_ms = bench.list_vs_admin()
                self.stderr.write("measuring: board")
                bench.board(list_ms)
                self.stderr.write("measuring: edit page and save")
                bench.edit()
                self.stderr.write("measuring: webhook ingest")
                bench.webhook_ingest(100 if quick else 5_000)
                self.stderr.write("measuring: tag merge")
                bench.tag_merge(QUICK_TAG_MERGE_CLUSTERS if quick else TAG_MERGE_CLUSTERS)
                bench.page_weight()
            peak_kb = rss_kb("VmHWM")
        bench.rows.append(
            Row(
                "memory: peak RSS through all of the above",
                f"{peak_kb / 1024:.0f} MB",
                f"{idle_kb / 1024:.0f} MB (idle after start-up)",
                f"{peak_kb / idle_kb:.2f}×",
                "≤ 1.5×",
                peak_kb <= 1.5 * idle_kb,
            )
        )
        result = bench.as_dicts()
        result["machine"] = report.machine(_postgres_version(), python_workload_ms())
        options["output"].write_text(json.dumps(result))


def _settle_postgresql() -> list[str]:
    """Leave the freshly loaded database as a long-running one is, before anything is timed.

    Straight after a bulk load PostgreSQL still owes the load its work: autovacuum visits
    every new table, the first reads set hint bits, and the checkpointer writes the dirty
    pages out. Paid here, none of it runs beside the measurements. (It is not what makes
    10k PostgreSQL runs slow at times: a run after settling still took 10.5 ms.)
    """
    done = []
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        done.append("VACUUM (ANALYZE)")
        try:
            cursor.execute("CHECKPOINT")  # superuser or pg_checkpoint only; harmless to skip
            done.append("CHECKPOINT")
        except DatabaseError:
            pass
    return done


def _postgres_version() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def _command_line() -> str:
    """The command as typed, with any password in a database URL hidden."""
    words = []
    for word in sys.argv:
        if "://" in word:
            parts = urlsplit(word.split("=", 1)[-1])
            if parts.password:
                word = word.replace(
                    urlunsplit(parts),
                    urlunsplit(parts._replace(netloc=parts.netloc.replace(parts.password, "***"))),
                )
        words.append(word)
    return "python " + shlex.join(words)
