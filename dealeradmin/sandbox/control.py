"""The sandbox's own control surface under /__sandbox__/: never part of DealerStudio's API."""

import json

from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import seed, state, views, webhooks
from .models import ApiKey
from .payloads import cluster_payload, clusters_for_payload
from .redact import last_four

CONFIG_KEYS = ("webhook_url", "webhook_token", "latency_ms")


class BadRequest(Exception):
    pass


def _json_body(request: HttpRequest) -> dict:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise BadRequest("body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _config_view() -> dict:
    return {
        "webhook_url": state.config.webhook_url,
        "webhook_token": last_four(state.config.webhook_token),
        "latency_ms": state.config.latency_ms,
    }


def _apply_config(body: dict) -> None:
    unknown = set(body) - set(CONFIG_KEYS)
    if unknown:
        raise BadRequest(f"unknown config keys: {sorted(unknown)}")
    if "latency_ms" in body:
        latency = body["latency_ms"]
        if not isinstance(latency, int) or isinstance(latency, bool) or latency < 0:
            raise BadRequest("latency_ms must be a non-negative integer")
        state.config.latency_ms = latency
    for name in ("webhook_url", "webhook_token"):
        if name in body:
            if body[name] is not None and not isinstance(body[name], str):
                raise BadRequest(f"{name} must be a string or null")
            setattr(state.config, name, body[name] or None)


@require_GET
def requests_log(request: HttpRequest) -> JsonResponse:
    return JsonResponse(state.logged_requests(request.GET.get("method")), safe=False)


@require_GET
def traffic(request: HttpRequest) -> JsonResponse:
    """API requests being served now, and the most served at once since the last reset."""
    return JsonResponse(state.traffic())


@require_http_methods(["POST", "DELETE"])
def faults(request: HttpRequest) -> JsonResponse:
    if request.method == "DELETE":
        state.clear_faults()
        return JsonResponse({"cleared": True})
    try:
        fault = _parse_fault(_json_body(request))
    except BadRequest as exc:
        return _bad_request(str(exc))
    state.add_fault(fault)
    return JsonResponse(vars(fault), status=201)


def _parse_fault(body: dict) -> state.Fault:
    method = body.get("method", "*")
    path = body.get("path")
    if not isinstance(method, str) or not isinstance(path, str) or not path:
        raise BadRequest("a fault needs a method and a path glob")
    status = body.get("status")
    is_code = isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599
    if status not in (None, "drop") and not is_code:
        raise BadRequest('status must be an HTTP status code or "drop"')
    delay_ms, times = body.get("delay_ms", 0), body.get("times", 1)
    for name, value in (("delay_ms", delay_ms), ("times", times)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BadRequest(f"{name} must be a non-negative integer")
    headers = body.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise BadRequest("headers must map strings to strings")
    raw_body = body.get("body")
    if raw_body is not None and not isinstance(raw_body, str):
        raise BadRequest("body must be a string")
    return state.Fault(
        method=method.upper(),
        path=path,
        status=status,
        delay_ms=delay_ms,
        times=times,
        body=raw_body,
        content_type=body.get("content_type") or "application/json",
        headers=headers,
    )


@require_http_methods(["GET", "POST"])
def config(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        try:
            _apply_config(_json_body(request))
        except BadRequest as exc:
            return _bad_request(str(exc))
    return JsonResponse(_config_view())


@require_POST
def reset(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
    except BadRequest as exc:
        return _bad_request(str(exc))
    state.wait_for_idle()
    webhooks.reset()
    state.reset_runtime()
    if not state.restore_database():
        _reseed()
    views.forget_keys()
    try:
        _apply_config(body)
    except BadRequest as exc:
        return _bad_request(str(exc))
    return JsonResponse({"reset": True, "config": _config_view()})


def _reseed() -> None:
    with transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)
        seed.seed(state.seed_clusters or seed.DEFAULT_CLUSTERS)
    state.snapshot_database()


@require_POST
def replay(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
    except BadRequest as exc:
        return _bad_request(str(exc))
    if not state.config.webhook_url:
        return JsonResponse({"error": "webhook_url is not configured"}, status=409)
    clusters = clusters_for_payload()
    if body.get("dealership_id") is not None:
        clusters = clusters.filter(dealership_id=body["dealership_id"])
    webhooks.flush()
    before = len(webhooks.deliveries())
    for cluster in clusters:
        webhooks.enqueue(cluster.id, cluster_payload(cluster))
    webhooks.flush()
    records = webhooks.deliveries()[before:]
    delivered = sum(1 for r in records if r["status"] is not None and 200 <= r["status"] < 300)
    return JsonResponse({"delivered": delivered, "failed": len(records) - delivered})


@require_GET
def webhook_deliveries(request: HttpRequest) -> JsonResponse:
    return JsonResponse(webhooks.deliveries(), safe=False)


@require_POST
def webhooks_flush(request: HttpRequest) -> JsonResponse:
    webhooks.flush()
    return JsonResponse({"pending": 0, "delivered": len(webhooks.deliveries())})


@require_GET
def tokens(request: HttpRequest) -> JsonResponse:
    keys = ApiKey.objects.prefetch_related("dealerships")
    return JsonResponse(
        [
            {
                "token": key.token,
                "label": key.label,
                "dealerships": [
                    {"id": d.id, "name": d.name, "slug": d.slug}
                    for d in key.dealerships.order_by("id")
                ],
            }
            for key in keys
        ],
        safe=False,
    )


@require_GET
def export_jsonl(request: HttpRequest) -> HttpResponse:
    clusters = clusters_for_payload()
    if request.GET.get("dealership_id", "").isdigit():
        clusters = clusters.filter(dealership_id=int(request.GET["dealership_id"]))
    if request.GET.get("limit", "").isdigit():
        clusters = clusters[: int(request.GET["limit"])]
    lines = (json.dumps(cluster_payload(cluster), ensure_ascii=False) for cluster in clusters)
    return HttpResponse("".join(line + "\n" for line in lines), content_type="application/x-ndjson")
