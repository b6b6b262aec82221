from django.urls import path

from . import status_options, views, webhooks

app_name = "clusters"
urlpatterns = [
    path("leads/", views.cluster_list, name="list"),
    path("leads/<slug:slug>/<int:cluster_id>/", views.cluster_edit, name="edit"),
    path("settings/status-options/", status_options.status_options, name="status_options"),
    path(
        "webhooks/dealerstudio/lead-clusters/",
        webhooks.lead_cluster_webhook,
        name="webhook",
    ),
]
