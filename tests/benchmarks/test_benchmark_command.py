"""The benchmark command still runs end to end (at a tiny size; no timing is asserted), on the
test database's own kind: SQLite, or the PostgreSQL server DATABASE_URL names."""

from django.core.management import call_command
from django.db import connection

from tests.conftest import subprocess_database_url


def test_the_benchmark_command_prints_its_table_without_recording_it(tmp_path, capfd):
    results = tmp_path / "RESULTS.md"
    on_postgresql = connection.vendor == "postgresql"
    server = ["--database-url", subprocess_database_url()] if on_postgresql else []

    call_command(
        "benchmark", "--clusters", "200", "--quick", "--no-record", "--results", results, *server
    )

    printed, progress = capfd.readouterr()
    assert "| what | figure | baseline (same run) | ratio | target | pass? |" in printed
    for row in ("list page", "edit save", "webhook ingest", "page weight: list", "memory"):
        assert row in printed
    assert "a fixed Python workload took" in printed  # how fast the machine was, for comparing runs
    assert ("PostgreSQL" in printed) == on_postgresql
    # A fresh bulk load owes PostgreSQL a vacuum; paid before timing, not during it.
    assert ("Settled the database: VACUUM (ANALYZE)" in progress) == on_postgresql
    assert not results.exists()
