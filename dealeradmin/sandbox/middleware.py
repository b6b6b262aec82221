"""Every API request passes here: added latency, injected faults, and the request log."""

import contextlib
import json
import logging
import socket
import time
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import state
from .payloads import timestamp
from .redact import redact_authorization

logger = logging.getLogger(__name__)
CONTROL_PREFIX = "/__sandbox__/"
REDACTED_HEADERS = {"authorization", "authentication", "x-authorization"}


class ApiTrafficMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return self.get_response(request)
        with state.in_flight():
            return self._serve(request)

    def _serve(self, request: HttpRequest) -> HttpResponse:
        entry = _describe(request)
        fault = state.take_fault(request.method, request.path)
        delay_ms = state.config.latency_ms + (fault.delay_ms if fault else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000)

        if fault and fault.status == "drop":
            entry["status"] = None
            state.log_request(entry)
            _drop_connection(request)
            logger.info("Dropped the connection for %s %s", request.method, request.path)
            # Nothing reaches the client; a 200 keeps Django from logging a server error.
            return HttpResponse()
        if fault and fault.status is not None:
            response = _fault_response(fault)
        else:
            response = self.get_response(request)
        entry["status"] = response.status_code
        state.log_request(entry)
        if not response.streaming and not response.has_header("Content-Length"):
            # With a length the server keeps the connection open for the next request, as
            # DealerStudio's would, instead of a new connection, thread and database connection
            # for each one.
            response["Content-Length"] = str(len(response.content))
        return response


def _describe(request: HttpRequest) -> dict:
    headers = {
        name: redact_authorization(value) if name.lower() in REDACTED_HEADERS else value
        for name, value in request.headers.items()
    }
    raw = request.body
    if not raw:
        body = None
    else:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = raw.decode("utf-8", errors="replace")
    return {
        "method": request.method,
        "path": request.get_full_path(),
        "headers": headers,
        "body": body,
        "status": None,
        "at": timestamp(timezone.now()),
    }


def _fault_response(fault: state.Fault) -> HttpResponse:
    status = int(fault.status)
    body = fault.body if fault.body is not None else _default_body(status)
    response = HttpResponse(body, status=status, content_type=fault.content_type)
    for name, value in fault.headers.items():
        response[name] = value
    return response


def _default_body(status: int) -> str:
    if status in (204, 304):
        return ""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    if status == 422:
        return json.dumps({"errors": {"base": [reason]}})
    return json.dumps({"error": reason})


def _drop_connection(request: HttpRequest) -> None:
    """Shut the socket so the client sees a closed connection and no answer at all."""
    sock = request.META.get("sandbox.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
