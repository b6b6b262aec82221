from django.urls import path

from . import control, views

urlpatterns = [
    path("api/v1/apikeys/apikey_details.json", views.apikey_details),
    path(
        "api/v1/dealerships/<str:dealership>/lead_clusters/<str:cluster_id>",
        views.lead_cluster_update,
    ),
    path("__sandbox__/requests", control.requests_log),
    path("__sandbox__/traffic", control.traffic),
    path("__sandbox__/faults", control.faults),
    path("__sandbox__/config", control.config),
    path("__sandbox__/reset", control.reset),
    path("__sandbox__/replay", control.replay),
    path("__sandbox__/webhooks", control.webhook_deliveries),
    path("__sandbox__/webhooks/flush", control.webhooks_flush),
    path("__sandbox__/tokens", control.tokens),
    path("__sandbox__/export.jsonl", control.export_jsonl),
]
