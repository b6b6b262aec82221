"""The benchmark's own database: a temporary SQLite file, or `dealeradmin_bench` on the
PostgreSQL server a URL names. Never the database the developer works in."""

import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import CommandError

BENCH_DATABASE = "dealeradmin_bench"


class ThrowawayDatabase:
    def __init__(self, url: str | None):
        self.vendor = "sqlite"
        self._tmpdir = None
        self._server_url = None
        if url and urlsplit(url).scheme.startswith(("postgres", "pgsql")):
            self.vendor = "postgresql"
            self._server_url = url
        elif url and not url.startswith("sqlite"):
            raise CommandError("--database-url must name a PostgreSQL server (or be omitted).")

    def __enter__(self) -> str:
        if self.vendor == "sqlite":
            self._tmpdir = tempfile.TemporaryDirectory(prefix="dealeradmin-bench-")
            return f"sqlite:///{Path(self._tmpdir.name) / 'bench.sqlite3'}"
        self._recreate()
        return self._url_for(BENCH_DATABASE)

    def __exit__(self, *exc_info) -> None:
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
        elif self._server_url:
            self._execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')

    def _url_for(self, name: str) -> str:
        parts = urlsplit(self._server_url)
        return urlunsplit(parts._replace(path="/" + name))

    def _recreate(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{BENCH_DATABASE}"')

    def _execute(self, sql: str) -> None:
        import psycopg

        parts = urlsplit(self._url_for("postgres"))
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(sql)
