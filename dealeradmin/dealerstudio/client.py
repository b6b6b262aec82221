"""The one place that talks to DealerStudio.

Every call goes through `_request`, which puts a timeout on it, adds the person's bearer token,
retries only what is safe to repeat, and turns every transport error and non-2xx status into a
`DealerStudioError` with a message a person can read. No httpx exception leaves this module.
"""

import contextlib
import contextvars
import email.utils
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from django.conf import settings

from . import errors
from .records import ApiKeyDetails, parse_apikey_details

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = {429, 502, 503, 504}
_BEARER = re.compile(r"(bearer\s+)\S+", re.IGNORECASE)


@dataclass(frozen=True)
class UpstreamCall:
    method: str
    path: str
    status: int | None
    milliseconds: float


# Calls made while serving the current request or job, for logs and benchmarks.
upstream_calls: contextvars.ContextVar[list[UpstreamCall] | None] = contextvars.ContextVar(
    "upstream_calls", default=None
)

_pool: httpx.Client | None = None
_pool_lock = threading.Lock()


def _http() -> httpx.Client:
    """One connection pool for the process; the token travels per request."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = httpx.Client(
                    limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
                    headers={"Accept": "application/json", "User-Agent": "DealerAdmin/1"},
                    follow_redirects=False,
                )
    return _pool


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.DEALERSTUDIO_CONNECT_TIMEOUT,
        read=settings.DEALERSTUDIO_READ_TIMEOUT,
        write=settings.DEALERSTUDIO_READ_TIMEOUT,
        pool=settings.DEALERSTUDIO_CONNECT_TIMEOUT,
    )


# A longer wait than this is not a plan anyone can act on; it is read as this long.
LONGEST_RETRY_AFTER = 24 * 60 * 60.0


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds (at most LONGEST_RETRY_AFTER): either delta-seconds or an
    HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to float
        return min(float(value), LONGEST_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), LONGEST_RETRY_AFTER)


def describe_wait(seconds: float | None) -> str:
    if seconds is None:
        return "in a minute"
    seconds = round(min(seconds, LONGEST_RETRY_AFTER))
    if seconds < 2:
        return "in a moment"
    if seconds < 90:
        return f"in {seconds} seconds"
    if seconds < 90 * 60:
        return f"in about {round(seconds / 60)} minutes"
    return f"in about {round(seconds / 3600)} hours"


def _json_or_none(response: httpx.Response) -> object | None:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None


def _messages(value: object) -> list[str]:
    """Messages as words, however nested: never a Python repr of a list or dict."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    return [str(value)]


def _rejection(response: httpx.Response) -> errors.Rejected:
    """422 bodies are undocumented: accept `{"errors": {field: [..]}}`, `{"errors": [..]}`,
    `{"error": ".."}` and `{"message": ".."}`."""
    data = _json_or_none(response)
    field_errors: dict[str, list[str]] = {}
    base_errors: list[str] = []
    if isinstance(data, dict):
        raw = data.get("errors")
        if isinstance(raw, dict):
            for name, value in raw.items():
                if name in ("base", "lead_cluster"):
                    base_errors += _messages(value)
                else:
                    field_errors[str(name)] = _messages(value)
        else:
            base_errors += _messages(raw)
        base_errors += _messages(data.get("error")) + _messages(data.get("message"))
    elif response.text.strip() and data is None and "<" not in response.text[:1]:
        base_errors.append(response.text.strip()[:300])
    return errors.Rejected(
        errors.REJECTED, status=422, field_errors=field_errors, base_errors=base_errors
    )


def _log_surprise(method: str, path: str, response: httpx.Response) -> None:
    logger.warning(
        "DealerStudio %s %s answered %s: %s",
        method,
        path,
        response.status_code,
        _without_credentials(response)[:200].replace("\n", " "),
    )


def _without_credentials(response: httpx.Response) -> str:
    """The body with our token taken out, should an error page echo the request back."""
    text = response.text
    try:
        credential = response.request.headers.get("Authorization", "").partition(" ")[2]
    except RuntimeError:  # a response built without a request
        credential = ""
    if len(credential) > 4:
        text = text.replace(credential, "…" + credential[-4:])
    return _BEARER.sub(r"\1…", text)


def _error_for(method: str, path: str, response: httpx.Response) -> errors.DealerStudioError:
    status = response.status_code
    if status == 401:
        return errors.TokenInvalid(errors.TOKEN_INVALID, status=status)
    if status == 403:
        return errors.AccessDenied(errors.ACCESS_DENIED, status=status)
    if status == 404:
        return errors.NotFound(errors.NOT_FOUND, status=status)
    if status == 422:
        return _rejection(response)
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return errors.RateLimited(
            errors.RATE_LIMITED.format(when=describe_wait(wait)), status=status, retry_after=wait
        )
    _log_surprise(method, path, response)
    if status >= 500:
        return errors.Unavailable(errors.UNAVAILABLE.format(status=status), status=status)
    return errors.UnexpectedStatus(errors.UNEXPECTED.format(status=status), status=status)


class _BearerToken(httpx.Auth):
    """Adds the person's token to each request. The token is held only here, out of every
    repr, so no local variable shown on an error page or in a log holds it in plain text."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "<BearerToken>"

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class DealerStudioClient:
    """DealerStudio's API as the signed-in person: every call carries their own token."""

    def __init__(
        self,
        token: str,
        *,
        retry_seconds: float | None = None,
        in_flight: contextlib.AbstractContextManager | None = None,
    ) -> None:
        self._auth = _BearerToken(token)
        # Taken around each request: a job's shared turns, so many of its requests at once.
        self._in_flight = in_flight or contextlib.nullcontext()
        self._retry_seconds = (
            settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS
            if retry_seconds is None
            else retry_seconds
        )

    def __repr__(self) -> str:
        return "<DealerStudioClient>"

    def apikey_details(self) -> ApiKeyDetails:
        """GET /api/v1/apikeys/apikey_details.json"""
        response = self._request("GET", "/api/v1/apikeys/apikey_details.json", repeatable=True)
        try:
            return parse_apikey_details(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            _log_surprise("GET", "apikey_details", response)
            raise errors.MalformedResponse(
                errors.MALFORMED.format(status=response.status_code), status=response.status_code
            ) from exc

    def update_lead_cluster(self, dealership: str | int, cluster_id: int, changes: dict) -> int:
        """PUT /api/v1/dealerships/{dealership_slug}/lead_clusters/{id}

        `changes` is the inside of `lead_cluster`. The answer's body is undocumented, so only
        its status counts (returned: a 2xx); a 2xx whose body is present but not JSON is
        reported as malformed.
        """
        # Repeating a PUT is harmless unless it adds car rows (a row without an id).
        adds_rows = any(
            "id" not in row for row in changes.get("car_lead_clusters_attributes") or []
        )
        path = f"/api/v1/dealerships/{dealership}/lead_clusters/{int(cluster_id)}"
        response = self._request(
            "PUT", path, json_body={"lead_cluster": changes}, repeatable=not adds_rows
        )
        if response.content.strip() and _json_or_none(response) is None:
            _log_surprise("PUT", path, response)
            raise errors.MalformedResponse(
                errors.MALFORMED.format(status=response.status_code), status=response.status_code
            )
        return response.status_code

    def _request(
        self, method: str, path: str, *, json_body: dict | None = None, repeatable: bool
    ) -> httpx.Response:
        # One turn for a request and all its retries: while it backs off from a rate limit or
        # an outage, the job's other changes wait instead of sending into the same.
        with self._in_flight:
            return self._send(method, path, json_body=json_body, repeatable=repeatable)

    def _send(
        self, method: str, path: str, *, json_body: dict | None, repeatable: bool
    ) -> httpx.Response:
        url = settings.DEALERSTUDIO_API_URL.rstrip("/") + path
        deadline = time.monotonic() + self._retry_seconds
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            status: int | None = None
            try:
                response = _http().request(
                    method, url, json=json_body, auth=self._auth, timeout=_timeout()
                )
                status = response.status_code
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # The request never left: always safe to try again while time remains.
                failure: errors.DealerStudioError = (
                    errors.ConnectionFailed(errors.CONNECT_TIMED_OUT)
                    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                    else errors.ConnectionFailed(errors.CONNECTION_FAILED)
                )
                if self._wait_before_retry(deadline, attempt, None):
                    continue
                raise failure from None
            except httpx.TimeoutException:
                raise errors.TimedOut(errors.TIMED_OUT) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                # The connection dropped mid-request: it may have been applied.
                raise errors.TimedOut(errors.CONNECTION_DROPPED) from None
            except httpx.HTTPError:
                logger.exception("DealerStudio %s %s failed", method, path)
                raise errors.ConnectionFailed(errors.CONNECTION_FAILED) from None
            finally:
                calls = upstream_calls.get()
                if calls is not None:
                    calls.append(
                        UpstreamCall(method, path, status, (time.perf_counter() - started) * 1000)
                    )

            if response.is_success:
                return response
            error = _error_for(method, path, response)
            if (
                repeatable
                and status in RETRYABLE_STATUSES
                and self._wait_before_retry(
                    deadline, attempt, retry_after_seconds(response.headers.get("Retry-After"))
                )
            ):
                continue
            raise error

    def _wait_before_retry(self, deadline: float, attempt: int, retry_after: float | None) -> bool:
        """Sleeps before the next attempt if it fits before the deadline; False when it won't."""
        backoff = retry_after if retry_after is not None else 0.2 * 2 ** (attempt - 1)
        backoff *= random.uniform(1.0, 1.2)
        if time.monotonic() + backoff > deadline:
            return False
        time.sleep(backoff)
        return True


PING_PATH = "/api/v1/apikeys/apikey_details.json"
# What the key-details endpoint may answer a request without a token when it is there: a 404
# or a 5xx means DEALERSTUDIO_API_URL points at something else, or DealerStudio is in trouble.
PING_ANSWERS = frozenset({200, 401, 403})


def ping(timeout: float = 2.0) -> int | None:
    """GET the key-details endpoint without a token: the HTTP status of any answer (healthy
    ones in PING_ANSWERS), or None when nothing answered in `timeout` seconds. For /healthz;
    never raises."""
    started = time.perf_counter()
    status: int | None = None
    try:
        response = _http().get(
            settings.DEALERSTUDIO_API_URL.rstrip("/") + PING_PATH, timeout=timeout
        )
        status = response.status_code
    except httpx.HTTPError:
        status = None
    finally:
        calls = upstream_calls.get()
        if calls is not None:
            calls.append(
                UpstreamCall("GET", PING_PATH, status, (time.perf_counter() - started) * 1000)
            )
    return status
