"""/healthz: is the database reachable, and does DealerStudio's API answer as it should."""

import time

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dealeradmin.dealerstudio.client import PING_ANSWERS, ping


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The exception class says enough; its text may hold the connection string.
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _dealerstudio() -> dict:
    started = time.perf_counter()
    status = ping()
    return {
        "ok": status in PING_ANSWERS,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (DealerStudio being down degrades, not fails, us: pages
    read the mirror); 503 when the database does not."""
    database = _database()
    dealerstudio = _dealerstudio()
    if not database["ok"]:
        status = "down"
    elif not dealerstudio["ok"]:
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "database": database, "dealerstudio": dealerstudio},
        status=200 if database["ok"] else 503,
    )
