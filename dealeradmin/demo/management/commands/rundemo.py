"""`make demo`: the sandbox, the dashboard and the job worker, together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dealeradmin.clusters.models import LeadCluster
from dealeradmin.demo.management.commands.demo_setup import DEFAULT_PASSWORD

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def _wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(
                f"The {what} stopped while starting (exit code {process.returncode})."
            )
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise CommandError(f"The {what} did not answer at {url} within {seconds:.0f} seconds.")


def demo_api_url(sandbox_port: int) -> str:
    """The demo's sandbox address. Unless DEALERSTUDIO_API_URL was set by hand, it follows
    --sandbox-port, here and in the processes started from here."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    if "DEALERSTUDIO_API_URL" not in os.environ:
        os.environ["DEALERSTUDIO_API_URL"] = settings.DEALERSTUDIO_API_URL = sandbox
    if settings.DEALERSTUDIO_API_URL.rstrip("/") != sandbox:
        raise CommandError(
            f"DEALERSTUDIO_API_URL is {settings.DEALERSTUDIO_API_URL}; the demo needs the "
            f"sandbox at {sandbox}. Unset it (or set it to {sandbox}) for the demo."
        )
    return sandbox


class Command(BaseCommand):
    help = "Run the demo: DealerStudio sandbox on :8001, dashboard on :8000, the job worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8001)

    def handle(self, *args, port: int, sandbox_port: int, **options):
        dashboard = f"http://127.0.0.1:{port}"
        sandbox = demo_api_url(sandbox_port)
        call_command("migrate", interactive=False, verbosity=0)
        children: list[subprocess.Popen] = []

        def start(*command: str, env: dict | None = None) -> subprocess.Popen:
            child = subprocess.Popen([sys.executable, MANAGE, *command], env=env)
            children.append(child)
            return child

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

        # Ctrl-C must stop everything even when started from a shell that ignores SIGINT for
        # background jobs; SIGTERM likewise.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            sandbox_process = start(
                "runsandbox",
                "--settings=dealeradmin.sandbox.settings",
                f"--port={sandbox_port}",
                f"--webhook-url={dashboard}/webhooks/dealerstudio/lead-clusters/",
                # Through the environment, so the secret is not on a process list.
                env={**os.environ, "SANDBOX_WEBHOOK_TOKEN": settings.DEALERSTUDIO_WEBHOOK_TOKEN},
            )
            _wait_for(f"{sandbox}/__sandbox__/config", sandbox_process, "sandbox")
            call_command("demo_setup")
            server = start("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks")
            _wait_for(f"{dashboard}/accounts/login/", server, "dashboard")
            if not LeadCluster.objects.exists():
                self.stdout.write("Loading the sandbox's lead clusters through the webhook…")
                result = httpx.post(f"{sandbox}/__sandbox__/replay", timeout=300).json()
                self.stdout.write(f"Delivered {result.get('delivered')} lead clusters.")
            start("db_worker", "--no-reload")
            password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
            password_note = (
                "the password dealeradmin-demo"
                if password == DEFAULT_PASSWORD
                else "the password in DEMO_PASSWORD"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nDealerAdmin is running at {dashboard}/\n"
                    f"  Sign in as 'manager' (Brisbane City Motors) or 'admin' (both "
                    f"dealerships) with {password_note}.\n"
                    f"  The DealerStudio sandbox is at {sandbox}/__sandbox__/requests "
                    "(what it received) and /__sandbox__/tokens.\n"
                    "  Press Ctrl-C to stop everything.\n"
                )
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            raise CommandError("A demo process stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            stop()
