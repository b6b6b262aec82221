"""In-process state of the sandbox that is not demo data: request log, faults, config, snapshot.

The server is threaded, so everything here is guarded by one lock.
"""

import fnmatch
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

_lock = threading.Lock()


@dataclass
class Config:
    webhook_url: str | None = None
    webhook_token: str | None = None
    latency_ms: int = 0


@dataclass
class Fault:
    method: str
    path: str
    status: int | str | None = None
    delay_ms: int = 0
    times: int = 1
    body: str | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method) and fnmatch.fnmatchcase(
            path, self.path
        )


config = Config()
startup_config = Config()
seed_clusters: int | None = None  # how many clusters a reseed makes (None: the default)
_requests: list[dict] = []
_faults: list[Fault] = []
_pristine: sqlite3.Connection | None = None


def set_startup_config(**values) -> None:
    global startup_config
    for name, value in values.items():
        setattr(config, name, value)
    startup_config = Config(**vars(config))


def log_request(entry: dict) -> None:
    with _lock:
        _requests.append(entry)


def logged_requests(method: str | None = None) -> list[dict]:
    with _lock:
        return [r for r in _requests if method is None or r["method"] == method.upper()]


def add_fault(fault: Fault) -> None:
    with _lock:
        _faults.append(fault)


def clear_faults() -> None:
    with _lock:
        _faults.clear()


def take_fault(method: str, path: str) -> Fault | None:
    """The first fault matching this request, used up once unless it is forever (times=0)."""
    with _lock:
        for fault in _faults:
            if fault.matches(method, path):
                if fault.times:
                    fault.times -= 1
                    if fault.times == 0:
                        _faults.remove(fault)
                return fault
    return None


def snapshot_database() -> None:
    """Keep a pristine in-memory copy of the freshly seeded database for fast resets."""
    global _pristine
    connection.ensure_connection()
    pristine = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(pristine)
    _pristine = pristine


def restore_database() -> bool:
    if _pristine is None:
        return False
    connection.ensure_connection()
    with _lock:
        _pristine.backup(connection.connection)
    return True


def reset_runtime() -> None:
    with _lock:
        _requests.clear()
        _faults.clear()
        config.latency_ms = startup_config.latency_ms
    reset_peak()


# API requests still being served. A reset waits for them, so a request that a test gave up on
# (a timeout it provoked) is not logged into the next test's fresh log.
_in_flight = 0
_in_flight_peak = 0  # the most served at once since the last reset: what a client allowed itself
_in_flight_done = threading.Condition()


@contextmanager
def in_flight():
    global _in_flight, _in_flight_peak
    with _in_flight_done:
        _in_flight += 1
        _in_flight_peak = max(_in_flight_peak, _in_flight)
    try:
        yield
    finally:
        with _in_flight_done:
            _in_flight -= 1
            _in_flight_done.notify_all()


def traffic() -> dict:
    with _in_flight_done:
        return {"in_flight": _in_flight, "peak_in_flight": _in_flight_peak}


def reset_peak() -> None:
    global _in_flight_peak
    with _in_flight_done:
        _in_flight_peak = _in_flight


def wait_for_idle(timeout: float = 10.0) -> bool:
    with _in_flight_done:
        return _in_flight_done.wait_for(lambda: _in_flight == 0, timeout=timeout)
