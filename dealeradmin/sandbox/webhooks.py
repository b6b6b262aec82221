"""Lead Cluster Webhook delivery: one background worker, in order, never blocking a PUT."""

import logging
import queue
import threading
from dataclasses import dataclass

import httpx
from django.utils import timezone

from . import state
from .payloads import timestamp

logger = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


@dataclass
class _Job:
    generation: int
    cluster_id: int
    payload: dict
    url: str
    token: str | None


_queue: queue.Queue[_Job] = queue.Queue()
_deliveries: list[dict] = []
_lock = threading.Lock()
_generation = 0
_worker: threading.Thread | None = None


def enqueue(cluster_id: int, payload: dict) -> bool:
    """Queue the webhook for a cluster if a webhook URL is configured."""
    url, token = state.config.webhook_url, state.config.webhook_token
    if not url:
        return False
    _ensure_worker()
    _queue.put(_Job(_generation, cluster_id, payload, url, token))
    return True


def flush() -> None:
    _ensure_worker()
    _queue.join()


def deliveries() -> list[dict]:
    with _lock:
        return list(_deliveries)


def reset() -> None:
    """Forget queued jobs (the worker skips an older generation) and every recorded delivery."""
    global _generation
    with _lock:
        _generation += 1
    flush()
    with _lock:
        _deliveries.clear()


def _ensure_worker() -> None:
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="sandbox-webhooks", daemon=True)
            _worker.start()


def _work() -> None:
    with httpx.Client(timeout=TIMEOUT) as client:
        while True:
            job = _queue.get()
            try:
                if job.generation == _generation:
                    record = _deliver(client, job)
                    with _lock:
                        if job.generation == _generation:
                            _deliveries.append(record)
            finally:
                _queue.task_done()


def _deliver(client: httpx.Client, job: _Job) -> dict:
    headers = {"Accept": "application/json"}
    if job.token:
        headers["Authorization"] = f"Bearer {job.token}"
    record = {"cluster_id": job.cluster_id, "url": job.url, "status": None, "error": None}
    try:
        response = client.post(job.url, json=job.payload, headers=headers)
        record["status"] = response.status_code
    except httpx.HTTPError as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
        logger.warning("Webhook for cluster %s failed: %s", job.cluster_id, record["error"])
    record["at"] = timestamp(timezone.now())
    return record
