"""The Lead Cluster Webhook receiver: DealerStudio pushes every created or updated cluster here."""

import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .ingest import PayloadInvalid, ingest_payload

logger = logging.getLogger(__name__)


def _presented_token(request: HttpRequest) -> str:
    """DealerStudio sends its webhook_api_token as a bearer token or in X-Authorization."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return request.headers.get("X-Authorization", "").strip()


def _authentic(request: HttpRequest) -> bool:
    presented = _presented_token(request).encode()
    expected = settings.DEALERSTUDIO_WEBHOOK_TOKEN.encode()
    return bool(presented) and hmac.compare_digest(presented, expected)


@login_not_required
@csrf_exempt  # authenticated by the shared secret instead; no browser ever posts here
@require_POST
def lead_cluster_webhook(request: HttpRequest) -> JsonResponse:
    if not _authentic(request):
        return JsonResponse({"error": "unauthorized"}, status=401)
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit():
        return JsonResponse({"error": "bad Content-Length"}, status=400)
    if int(length) > settings.WEBHOOK_MAX_BODY_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    body = request.body
    if len(body) > settings.WEBHOOK_MAX_BODY_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    try:
        payload = json.loads(body)
        # JSON carries a NUL only escaped (the parser refuses a raw one); in UTF-8, which
        # DealerStudio sends, the escape shows in the bytes.
        nul_free = json.detect_encoding(body) == "utf-8" and b"\\u0000" not in body
        result = ingest_payload(payload, nul_free=nul_free)
    except (ValueError, RecursionError, PayloadInvalid) as exc:
        # RecursionError: absurdly deep nesting is not a payload either.
        message = str(exc) if isinstance(exc, PayloadInvalid) else "the body is not JSON"
        logger.info("Rejected a lead cluster webhook: %s", message)
        return JsonResponse({"error": message}, status=400)
    return JsonResponse({"id": result.cluster_id, "outcome": result.outcome})
