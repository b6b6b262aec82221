"""The audit log: every change made through the dashboard that the person may see."""

import csv
from collections.abc import Iterator
from datetime import UTC

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from dealeradmin.accounts.access import dealerships_for, is_admin, token_required
from dealeradmin.core.templatetags.local_time import in_zone, shared_zone

from .forms import AuditFilterForm
from .models import AuditEntry
from .presentation import change_rows

PER_PAGE = 50
CSV_COLUMNS = [
    "time",
    "time_utc",
    "person",
    "action",
    "dealership",
    "cluster_id",
    "changes",
    "outcome",
    "detail",
    "upstream_status",
    "job_id",
]


def _entries_for_user(user) -> QuerySet[AuditEntry]:
    """Entries of the person's dealerships and their own; admins also see entries that belong
    to no dealership."""
    visible = Q(dealership_id__in=dealerships_for(user).values("id")) | Q(actor=user)
    if is_admin(user):
        visible |= Q(dealership_id__isnull=True)
    return AuditEntry.objects.filter(visible)


def _filtered(request: HttpRequest) -> dict:
    dealerships = list(dealerships_for(request.user))
    entries = _entries_for_user(request.user)
    people = list(
        entries.exclude(actor=None)
        .order_by("actor_name", "actor_id")
        .values_list("actor_id", "actor_name")
        .distinct()
    )
    form = AuditFilterForm(
        request.GET, dealerships=dealerships, people=people, zone=shared_zone(dealerships)
    )
    return {
        "dealerships": dealerships,
        "dealership_by_id": {d.id: d for d in dealerships},
        "filter_form": form,
        "entries": form.filter(entries).order_by("-created_at", "-id"),
    }


@token_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        return audit_export(request)
    context = _filtered(request)
    page = Paginator(context["entries"], PER_PAGE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.dealership = context["dealership_by_id"].get(entry.dealership_id)
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    context.update(
        nav="audit",
        page=page,
        query_without_page=query.urlencode(),
        csv_query=csv_query.urlencode(),
    )
    template = "audit/log.html"
    if request.htmx and not request.htmx.boosted:
        template += "#audit-results"
    return render(request, template, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; tags and names are typed
    by people, so such cells are quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(entries: QuerySet[AuditEntry], dealership_by_id: dict) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=500):
        dealership = dealership_by_id.get(entry.dealership_id)
        changes = "; ".join(
            f"{label}: {old} → {new}" for label, old, new in change_rows(entry.changes)
        )
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    in_zone(entry.created_at, dealership).isoformat(),
                    entry.created_at.astimezone(UTC).isoformat(),
                    entry.actor_name,
                    entry.action_label,
                    dealership.name if dealership else entry.dealership_id,
                    entry.cluster_id,
                    changes,
                    entry.outcome_label,
                    entry.outcome_detail,
                    entry.upstream_status,
                    entry.job_id,
                )
            ]
        )


@token_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    context = _filtered(request)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        _csv_rows(context["entries"], context["dealership_by_id"]),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="dealeradmin-audit-{stamp}.csv"'
    return response
