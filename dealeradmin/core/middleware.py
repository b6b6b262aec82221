"""One log line per request: id, person, method, path, status, duration and upstream calls.

The path is logged without its query string: the lead list's `q` holds what people typed into
search (customer names, emails, phone numbers), which does not belong in logs. Headers and
bodies are never logged, so neither are tokens, cookies or passwords. The person is logged by
user id, not username (usernames are often email addresses).
"""

import logging
import re
import time
import uuid

from dealeradmin.dealerstudio.client import upstream_calls

from .logs import request_id

logger = logging.getLogger("dealeradmin.request")

# A proxy's id is kept (so its logs and ours join up) only when it is short and plain.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(request) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex


def _person(request) -> int | None:
    # Only if the request already loaded its user: loading it here would cost a query (and
    # fail on /healthz when the database is down).
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = _request_id(request)
        request.request_id = rid
        id_token = request_id.set(rid)
        calls_token = upstream_calls.set([])
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            calls = upstream_calls.get() or []
            fields = {
                "event": "request",
                "user_id": _person(request),
                "method": request.method,
                "path": request.path,
                "status": status,
                "ms": ms,
                "upstream": [
                    {
                        "method": call.method,
                        "path": call.path,
                        "status": call.status,
                        "ms": round(call.milliseconds, 1),
                    }
                    for call in calls
                ],
            }
            level = logging.ERROR if status >= 500 else logging.INFO
            logger.log(
                level,
                "%s %s %s %.0fms (%d upstream)",
                request.method,
                request.path,
                status,
                ms,
                len(calls),
                extra={"fields": fields},
            )
            upstream_calls.reset(calls_token)
            request_id.reset(id_token)
