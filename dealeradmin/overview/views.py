"""The overview: the person's pipeline at a glance, drawn from the mirror."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dealeradmin.accounts.access import clusters_for, dealerships_for, token_required

from .pipeline import list_url, pipeline_for


@token_required
def overview_home(request: HttpRequest) -> HttpResponse:
    dealerships = list(dealerships_for(request.user))
    pipeline = pipeline_for(clusters_for(request.user), dealerships)
    context = {
        "nav": "overview",
        "dealerships": dealerships,
        "pipeline": pipeline,
        "open_url": list_url(state="open"),
        "all_url": list_url(),
        "waiting_url": list_url(state="new", sort="activity"),
        "recent_url": list_url(new_within=14, sort="-created"),
        "unassigned_url": list_url(assignee="none", state="open"),
    }
    return render(request, "overview/home.html", context)
