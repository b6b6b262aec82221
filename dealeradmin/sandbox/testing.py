"""Run the sandbox as a subprocess for tests, and drive its /__sandbox__/ control surface.

with SandboxServer() as sandbox:
    sandbox.reset()
    sandbox.inject_fault(method="PUT", path="/api/v1/*", status=503)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_DIR = Path(__file__).resolve().parents[2]
SETTINGS = "dealeradmin.sandbox.settings"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxServer:
    """A sandbox process on a free loopback port with its own throwaway database."""

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_token: str | None = None,
        latency_ms: int = 0,
        clusters: int | None = None,
        port: int | None = None,
        startup_timeout: float = 30.0,
    ):
        self.webhook_url = webhook_url
        self.webhook_token = webhook_token
        self.latency_ms = latency_ms
        self.clusters = clusters
        self.port = port
        self.startup_timeout = startup_timeout
        self.url = ""
        self._process: subprocess.Popen | None = None
        self._tmpdir: tempfile.TemporaryDirectory | None = None
        self._client: httpx.Client | None = None

    def start(self) -> "SandboxServer":
        if self._process is not None:
            return self
        self._tmpdir = tempfile.TemporaryDirectory(prefix="dealeradmin-sandbox-")
        tmp = Path(self._tmpdir.name)
        port = self.port or _free_port()
        env = {**os.environ, "SANDBOX_DB_PATH": str(tmp / "sandbox.sqlite3")}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("SANDBOX_WEBHOOK_URL", None)
        env.pop("SANDBOX_WEBHOOK_TOKEN", None)
        command = [
            sys.executable,
            str(REPO_DIR / "manage.py"),
            "runsandbox",
            f"--settings={SETTINGS}",
            "--addr=127.0.0.1",
            f"--port={port}",
            f"--latency-ms={self.latency_ms}",
        ]
        if self.clusters:
            command.append(f"--clusters={self.clusters}")
        if self.webhook_url:
            command.append(f"--webhook-url={self.webhook_url}")
        if self.webhook_token:
            command.append(f"--webhook-token={self.webhook_token}")
        self._log_path = tmp / "sandbox.log"
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                command, cwd=REPO_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.url = f"http://127.0.0.1:{port}"
        self._client = httpx.Client(base_url=self.url, timeout=30.0)
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = self.log()
                self.stop()
                raise RuntimeError(f"The sandbox exited while starting:\n{log}")
            try:
                self._client.get("/__sandbox__/config", timeout=1.0).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        log = self.log()
        self.stop()
        raise RuntimeError(f"The sandbox did not answer within {self.startup_timeout}s:\n{log}")

    def log(self) -> str:
        """What the sandbox process has printed so far."""
        try:
            return self._log_path.read_text(errors="replace")
        except (AttributeError, OSError):
            return ""

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        if self._client is None:
            raise RuntimeError("The sandbox is not running; call start() first")
        response = self._client.request(method, f"/__sandbox__/{path}", **kwargs)
        response.raise_for_status()
        return response

    def reset(self, **config) -> dict:
        """Back to the seed; clears request log, faults and deliveries. Config keys optional."""
        return self._call("POST", "reset", json=config).json()

    def requests(self, method: str | None = None) -> list[dict]:
        params = {"method": method} if method else None
        return self._call("GET", "requests", params=params).json()

    def traffic(self) -> dict:
        """{"in_flight": n, "peak_in_flight": most at once since the last reset}"""
        return self._call("GET", "traffic").json()

    def inject_fault(self, **spec) -> dict:
        return self._call("POST", "faults", json=spec).json()

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def configure(self, **settings) -> dict:
        return self._call("POST", "config", json=settings).json()

    def config(self) -> dict:
        return self._call("GET", "config").json()

    def flush_webhooks(self) -> None:
        self._call("POST", "webhooks/flush")

    def webhooks(self) -> list[dict]:
        return self._call("GET", "webhooks").json()

    def replay(self, dealership_id: int | None = None) -> dict:
        body = {"dealership_id": dealership_id} if dealership_id is not None else {}
        return self._call("POST", "replay", json=body).json()

    def tokens(self) -> list[dict]:
        return self._call("GET", "tokens").json()

    def export_jsonl(self, *, limit: int | None = None) -> str:
        params = {} if limit is None else {"limit": limit}
        return self._call("GET", "export.jsonl", params=params).text
