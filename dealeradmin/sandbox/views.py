"""The two documented DealerStudio endpoints the dashboard uses."""

import threading

from django.db.models import Exists, OuterRef
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


def _api_key(request: HttpRequest) -> ApiKey | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return ApiKey.objects.filter(token=token.strip()).first()


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


def _find_dealership(slug_or_id: str, *, granted_to: ApiKey) -> Dealership | None:
    """The dealership by id or slug, with `granted`: whether the key reaches it."""
    dealerships = Dealership.objects.annotate(
        granted=Exists(
            ApiKey.dealerships.through.objects.filter(apikey=granted_to, dealership=OuterRef("pk"))
        )
    )
    if slug_or_id.isdigit():
        found = dealerships.filter(id=int(slug_or_id)).first()
        if found:
            return found
    return dealerships.filter(slug=slug_or_id).first()


@require_http_methods(["PUT"])
def lead_cluster_update(request: HttpRequest, dealership: str, cluster_id: str) -> JsonResponse:
    key = _api_key(request)
    if key is None:
        return JsonResponse(UNAUTHORIZED, status=401)
    found = _find_dealership(dealership, granted_to=key)
    if found is None:
        return JsonResponse(CLUSTER_NOT_FOUND, status=404)
    if not found.granted:
        return JsonResponse(ACCESS_DENIED, status=403)
    with _write_lock:
        # Read under the lock, so two PUTs to one cluster apply one after the other; read
        # with everything the answer shows, so most updates need no second read.
        cluster = None
        if cluster_id.isdigit():
            cluster = clusters_for_payload().filter(id=int(cluster_id), dealership=found).first()
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
