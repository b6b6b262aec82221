"""The two documented DealerStudio endpoints the dashboard uses."""

import functools
import threading

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from . import webhooks
from .models import ApiKey, Dealership
from .payloads import cluster_payload, clusters_for_payload
from .updates import Invalid, parse_body, update_cluster

UNAUTHORIZED = {"error": "Unauthorized"}
ACCESS_DENIED = {"error": "Access denied"}
CLUSTER_NOT_FOUND = {"error": "Lead cluster not found"}

# One writer at a time: SQLite's busy-wait backs off in long sleeps under contention.
_write_lock = threading.Lock()


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _api_key(request: HttpRequest) -> ApiKey | None:
    token = _bearer_token(request)
    return None if token is None else ApiKey.objects.filter(token=token).first()


@functools.lru_cache(maxsize=64)
def _reach(token: str) -> dict[int | str, tuple[int, bool]] | None:
    """What a token reaches: every dealership, by id and by slug, to (its id, granted); None
    for an unknown token. Keys, dealerships and grants change only when the sandbox is seeded
    or reset, which clears this; looking them up was a fifth of a PUT's time."""
    key = ApiKey.objects.filter(token=token).first()
    if key is None:
        return None
    granted = set(key.dealerships.values_list("id", flat=True))
    reach = {}
    for dealership_id, slug in Dealership.objects.values_list("id", "slug"):
        reach[slug] = reach[dealership_id] = (dealership_id, dealership_id in granted)
    return reach


def _find_dealership(reach: dict, slug_or_id: str) -> tuple[int, bool] | None:
    """By id first, as DealerStudio's routes take either."""
    if slug_or_id.isdigit() and int(slug_or_id) in reach:
        return reach[int(slug_or_id)]
    return reach.get(slug_or_id)


forget_keys = _reach.cache_clear


@require_GET
def apikey_details(request: HttpRequest) -> JsonResponse:
    key = _api_key(request)
    if key is None:
        return JsonResponse(UNAUTHORIZED, status=401)
    dealerships = key.dealerships.prefetch_related("locations", "users").order_by("id")
    return JsonResponse(
        {
            "id": key.id,
            "permissions": key.permissions,
            "dealerships": [
                {
                    "id": dealership.id,
                    "name": dealership.name,
                    "slug": dealership.slug,
                    "locations": [
                        {"id": loc.id, "name": loc.name, "location_type": loc.location_type}
                        for loc in dealership.locations.all()
                    ],
                    "users": [
                        {"id": user.id, "name": user.name, "email": user.email}
                        for user in dealership.users.all()
                    ],
                }
                for dealership in dealerships
            ],
        }
    )


@require_http_methods(["PUT"])
def lead_cluster_update(request: HttpRequest, dealership: str, cluster_id: str) -> JsonResponse:
    token = _bearer_token(request)
    reach = None if token is None else _reach(token)
    if reach is None:
        return JsonResponse(UNAUTHORIZED, status=401)
    found = _find_dealership(reach, dealership)
    if found is None:
        return JsonResponse(CLUSTER_NOT_FOUND, status=404)
    dealership_id, granted = found
    if not granted:
        return JsonResponse(ACCESS_DENIED, status=403)
    with _write_lock:
        # Read under the lock, so two PUTs to one cluster apply one after the other; read
        # with everything the answer shows, so most updates need no second read.
        cluster = None
        if cluster_id.isdigit():
            cluster = (
                clusters_for_payload()
                .filter(id=int(cluster_id), dealership_id=dealership_id)
                .first()
            )
        if cluster is None:
            return JsonResponse(CLUSTER_NOT_FOUND, status=404)
        try:
            cars_changed = update_cluster(cluster, parse_body(request.body))
        except Invalid as invalid:
            return JsonResponse({"errors": invalid.errors}, status=422)
        if cars_changed:
            cluster = clusters_for_payload().get(id=cluster.id)
        payload = cluster_payload(cluster)
        # Queued under the lock so webhooks leave in the order the updates happened.
        webhooks.enqueue(cluster.id, payload)
    return JsonResponse(payload)
