"""Serve the DealerStudio sandbox: migrate, seed if empty, then a threaded HTTP server."""

import os
import socket
import socketserver

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import (
    WSGIRequestHandler,
    WSGIServer,
    get_internal_wsgi_application,
)

from dealeradmin.sandbox import seed, state, webhooks
from dealeradmin.sandbox.models import Dealership


class _Handler(WSGIRequestHandler):
    def setup(self):
        super().setup()
        # Headers and body leave in separate writes; on a kept-alive connection Nagle's
        # algorithm would hold the body back until the client's delayed ACK (40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get_environ(self):
        # The "drop" fault needs the socket to close the connection without answering.
        environ = super().get_environ()
        environ["sandbox.socket"] = self.connection
        # wsgiref invents "text/plain" and "" for absent headers; keep the request log truthful.
        if self.headers.get("Content-Type") is None:
            environ.pop("CONTENT_TYPE", None)
        if not environ.get("CONTENT_LENGTH"):
            environ.pop("CONTENT_LENGTH", None)
        return environ


class _ThreadedServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Command(BaseCommand):
    help = "Run the DealerStudio sandbox (use --settings=dealeradmin.sandbox.settings)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--webhook-url", default=os.environ.get("SANDBOX_WEBHOOK_URL"))
        parser.add_argument("--webhook-token", default=os.environ.get("SANDBOX_WEBHOOK_TOKEN"))
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument(
            "--clusters",
            type=int,
            default=seed.DEFAULT_CLUSTERS,
            help="Lead clusters to seed an empty database with "
            f"(default {seed.DEFAULT_CLUSTERS}; the benchmark asks for more)",
        )

    def handle(
        self, *args, addr, port, webhook_url, webhook_token, latency_ms, clusters, **options
    ):
        if latency_ms < 0:
            raise CommandError("--latency-ms must not be negative")
        if clusters < 1:
            raise CommandError("--clusters must be at least 1")
        call_command("migrate", interactive=False, verbosity=0)
        state.seed_clusters = clusters
        if not Dealership.objects.exists():
            seed.seed(clusters)
            # A database left over from an earlier run is re-seeded by the first reset instead.
            state.snapshot_database()
        state.set_startup_config(
            webhook_url=webhook_url or None,
            webhook_token=webhook_token or None,
            latency_ms=latency_ms,
        )
        webhooks.flush()  # starts the delivery worker

        try:
            server = _ThreadedServer((addr, port), _Handler)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {addr}:{port}: {exc}") from exc
        server.set_app(get_internal_wsgi_application())
        host, bound_port = server.server_address[:2]
        self.stdout.write(f"DealerStudio sandbox listening on http://{host}:{bound_port}/")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
