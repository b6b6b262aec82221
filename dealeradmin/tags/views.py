"""The tag catalogue (everyone), and tag curation and its jobs (admins only)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dealeradmin.accounts.access import clusters_for, dealerships_for, is_admin, token_required
from dealeradmin.accounts.models import Location, SalesUser
from dealeradmin.clusters.forms import ClusterFilterForm
from dealeradmin.clusters.models import Tag

from . import plans
from .catalogue import catalogue_rows, used_tags
from .forms import LARGE_DELETE, BulkTagForm, CatalogueFilterForm, DeleteForm, MergeForm
from .jobs import (
    REVERT_SKIPPED,
    count_now,
    tag_job_create,
    tag_job_resume,
    tag_job_revert_plan,
)
from .models import TagJob, TagJobItem

PLAN_CHANGED = (
    "The clusters changed since this preview was shown: check the new preview, then run it."
)
NOTHING_TO_DO = "No cluster would change, so there is nothing to run."
RESUMED = "Job #{id} is queued to carry on."
NOT_RESUMABLE = "This job is not stopped, so there is nothing to resume."
REVERTED_NOT_RESUMABLE = "This job was reverted, so the changes it had not made will not be made."
BULK_SAMPLE = 200
MAX_ITEMS_SHOWN = 1000


def admin_required(view):
    """Curation is for admins; anyone else is refused, whatever the URL."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_admin(request.user):
            raise PermissionDenied("Only admins curate tags.")
        return view(request, *args, **kwargs)

    return wrapper


def _dealerships(user) -> dict:
    return {d.id: d for d in dealerships_for(user)}


def _get_job_for_user(user, job_id: int) -> TagJob:
    """A job is visible to admins whose token reaches every dealership it touched."""
    try:
        job = TagJob.objects.select_related("reverted_job").get(pk=job_id)
    except TagJob.DoesNotExist:
        raise Http404("No such tag job") from None
    reachable = set(_dealerships(user))
    touched = set(job.items.values_list("dealership_id", flat=True).distinct())
    if not touched <= reachable:
        raise Http404("No such tag job")
    return job


@token_required
def catalogue(request: HttpRequest) -> HttpResponse:
    dealerships = list(dealerships_for(request.user))
    form = CatalogueFilterForm(request.GET, dealerships=dealerships)
    rows = catalogue_rows(**form.options())
    by_id = {d.id: d for d in dealerships}
    for row in rows:
        row.dealership = by_id.get(row.dealership_id)
    context = {
        "nav": "tags",
        "form": form,
        "rows": rows,
        "dealerships": dealerships,
        "can_curate": is_admin(request.user),
        "duplicate_rows": sum(1 for row in rows if row.duplicates),
        "recent_jobs": TagJob.objects.all()[:5] if is_admin(request.user) else [],
    }
    template = "tags/catalogue.html"
    if request.htmx and not request.htmx.boosted:
        template += "#tag-results"
    return render(request, template, context)


def _merge_screen(request: HttpRequest, *, rename_of: Tag | None = None) -> HttpResponse:
    dealerships = _dealerships(request.user)
    data = (request.POST if request.method == "POST" else request.GET).copy()
    if rename_of is not None:
        data.setlist("tag", [str(rename_of.id)])
    first_look = request.method == "GET" and "target" not in data
    if first_look and rename_of is None:
        data = _suggest_target(data, list(dealerships))
    if first_look and rename_of is not None:
        form = MergeForm(None, dealership_ids=list(dealerships))
        form.initial = {"tag": [rename_of.id], "target": rename_of.name.strip()}
    else:
        form = MergeForm(data, dealership_ids=list(dealerships))
    preview = existing = None
    if form.is_bound and form.is_valid():
        tags, target = list(form.cleaned_data["tag"]), form.cleaned_data["target"]
        changes = plans.plan_merge(tags, target)
        existing = _existing_targets(tags, target, dealerships)
        kind = TagJob.Kind.RENAME if len(tags) == 1 and not existing else TagJob.Kind.MERGE
        if request.method == "POST":
            if form.cleaned_data["expected"] != len(changes):
                form.add_error(None, PLAN_CHANGED)
            elif not changes:
                form.add_error(None, NOTHING_TO_DO)
            else:
                job = tag_job_create(
                    user=request.user,
                    kind=kind,
                    summary=_merge_summary(tags, target, kind),
                    params={"target": target, "sources": _sources(tags)},
                    changes=changes,
                )
                return redirect("tags:job", job_id=job.id)
        preview = plans.preview(changes, dealerships)
    if rename_of is not None:
        selected = [rename_of]
    elif form.is_bound and "tag" in form.cleaned_data:
        selected = list(form.cleaned_data["tag"])
    else:
        selected = []
    context = {
        "nav": "tags",
        "form": form,
        "rename_of": rename_of,
        "preview": preview,
        "existing": existing,
        "selected": selected,
        "tag_names": _tag_names(dealerships),
    }
    return render(request, "tags/merge.html", context)


def _suggest_target(data, dealership_ids: list[int]):
    """On first look, keep the most used of the chosen spellings (trimmed)."""
    ids = [int(i) for i in data.getlist("tag") if i.isdigit()]
    best = used_tags(dealership_ids).filter(pk__in=ids).order_by("-cluster_count", "id").first()
    if best is not None:
        data["target"] = best.name.strip()
    return data


def _existing_targets(tags: list[Tag], target: str, dealerships: dict) -> list:
    """Dealerships where the target name is already a tag (and not one being renamed)."""
    ids = {tag.dealership_id for tag in tags}
    return [
        dealerships[d]
        for d in Tag.objects.filter(dealership_id__in=ids, name=target)
        .exclude(pk__in=[t.pk for t in tags])
        .values_list("dealership_id", flat=True)
    ]


def _merge_summary(tags: list[Tag], target: str, kind: str) -> str:
    names = ", ".join(f"“{name}”" for name in sorted({t.name for t in tags}))
    verb = "Rename" if kind == TagJob.Kind.RENAME else "Merge"
    return f"{verb} {names} into “{target}”"


def _sources(tags: list[Tag]) -> list[dict]:
    return [{"dealership_id": t.dealership_id, "name": t.name} for t in tags]


def _tag_names(dealerships: dict) -> list[str]:
    return list(
        Tag.objects.filter(dealership_id__in=list(dealerships), cluster_links__isnull=False)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:500]
    )


@admin_required
@token_required
def tag_merge(request: HttpRequest) -> HttpResponse:
    return _merge_screen(request)


@admin_required
@token_required
def tag_rename(request: HttpRequest, tag_id: int) -> HttpResponse:
    try:
        tag = Tag.objects.get(pk=tag_id, dealership_id__in=list(_dealerships(request.user)))
    except Tag.DoesNotExist:
        raise Http404("No such tag") from None
    return _merge_screen(request, rename_of=tag)


@admin_required
@token_required
def tag_delete(request: HttpRequest) -> HttpResponse:
    dealerships = _dealerships(request.user)
    data = request.POST if request.method == "POST" else request.GET
    form = DeleteForm(data, dealership_ids=list(dealerships))
    preview = None
    if form.is_valid():
        tags = list(form.cleaned_data["tag"])
        changes = plans.plan_delete(tags)
        if request.method == "POST":
            if form.cleaned_data["expected"] != len(changes):
                form.add_error(None, PLAN_CHANGED)
            elif not changes:
                form.add_error(None, NOTHING_TO_DO)
            elif form.check_confirmation(len(changes)):
                names = ", ".join(f"“{name}”" for name in sorted({t.name for t in tags}))
                job = tag_job_create(
                    user=request.user,
                    kind=TagJob.Kind.DELETE,
                    summary=f"Delete {names} from every cluster",
                    params={"sources": _sources(tags)},
                    changes=changes,
                )
                return redirect("tags:job", job_id=job.id)
        preview = plans.preview(changes, dealerships)
    context = {
        "nav": "tags",
        "form": form,
        "preview": preview,
        "selected": list(form.cleaned_data.get("tag") or []),
        "needs_confirmation": preview is not None and preview.total >= LARGE_DELETE,
        "confirm_phrase": form.confirm_phrase() if preview is not None else "",
    }
    return render(request, "tags/delete.html", context)


@admin_required
@token_required
def tag_bulk(request: HttpRequest) -> HttpResponse:
    dealerships = list(dealerships_for(request.user))
    ids = [d.id for d in dealerships]
    users = list(SalesUser.objects.filter(dealership_id__in=ids).order_by("name", "ds_id"))
    locations = list(Location.objects.filter(dealership_id__in=ids).order_by("name", "ds_id"))
    filters = ClusterFilterForm(
        request.GET, dealerships=dealerships, users=users, locations=locations
    )
    matching = filters.filter(clusters_for(request.user))
    count = matching.count()
    shown = list(matching.only("id", "dealership_id", "contact_name", "lead_state")[:BULK_SAMPLE])
    if request.method == "POST":
        reachable = list(clusters_for(request.user).values_list("id", flat=True))
        form = BulkTagForm(request.POST, cluster_ids=reachable)
    else:
        form = BulkTagForm(None, cluster_ids=[])
    changes = None
    if form.is_bound and form.is_valid():
        action, name = form.cleaned_data["action"], form.cleaned_data["name"]
        chosen = form.cleaned_data["cluster"]
        plan = plans.plan_add if action == "add" else plans.plan_remove
        changes = plan(chosen, name)
        if changes:
            verb = "Add" if action == "add" else "Remove"
            where = "to" if action == "add" else "from"
            job = tag_job_create(
                user=request.user,
                kind=TagJob.Kind.ADD if action == "add" else TagJob.Kind.REMOVE,
                summary=f"{verb} “{name}” {where} {len(chosen)} chosen clusters",
                params={"name": name, "clusters": chosen},
                changes=changes,
            )
            return redirect("tags:job", job_id=job.id)
        form.add_error(None, NOTHING_TO_DO)
    by_id = {d.id: d for d in dealerships}
    for cluster in shown:
        cluster.dealership = by_id.get(cluster.dealership_id)
    context = {
        "nav": "tags",
        "filter_form": filters,
        "form": form,
        "count": count,
        "shown": shown,
        "more": max(0, count - len(shown)),
        "dealerships": dealerships,
        "users": users,
        "locations": locations,
        "tag_names": _tag_names(by_id),
        "list_query": request.GET.urlencode(),
    }
    return render(request, "tags/bulk.html", context)


@admin_required
@token_required
def job_list(request: HttpRequest) -> HttpResponse:
    elsewhere = TagJobItem.objects.exclude(dealership_id__in=list(_dealerships(request.user)))
    jobs = TagJob.objects.exclude(items__in=elsewhere).select_related("reverted_job")[:100]
    return render(request, "tags/jobs.html", {"nav": "tags", "jobs": jobs})


@admin_required
@token_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job_for_user(request.user, job_id)
    dealerships = _dealerships(request.user)
    if job.active:
        count_now(job)  # the bar should match the table below
    items = list(job.items.all()[:MAX_ITEMS_SHOWN])
    for item in items:
        item.dealership = dealerships.get(item.dealership_id)
    context = {"nav": "tags", "job": job, "items": items, "dealerships": dealerships}
    template = "tags/job.html"
    if request.htmx and not request.htmx.boosted:
        template += "#job-status"
    return render(request, template, context)


@admin_required
@token_required
@require_POST
def job_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job_for_user(request.user, job_id)
    if tag_job_resume(job=job, user=request.user):
        messages.success(request, RESUMED.format(id=job.id))
    elif job.reverted:
        messages.info(request, REVERTED_NOT_RESUMABLE)
    else:
        messages.info(request, NOT_RESUMABLE)
    return redirect("tags:job", job_id=job.id)


@admin_required
@token_required
def job_revert(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job_for_user(request.user, job_id)
    if not job.revertible:
        raise Http404("This job cannot be reverted")
    changes, skipped = tag_job_revert_plan(job)
    if request.method == "POST":
        revert = tag_job_create(
            user=request.user,
            kind=TagJob.Kind.REVERT,
            summary=f"Revert job #{job.id}: {job.summary}",
            params={"job": job.id},
            changes=changes,
            reverts=job,
            skipped=skipped,
            skipped_reason=REVERT_SKIPPED.format(job=job.id),
        )
        return redirect("tags:job", job_id=revert.id)
    context = {
        "nav": "tags",
        "job": job,
        "preview": plans.preview(changes, _dealerships(request.user)),
        "skipped": skipped,
        "action_url": reverse("tags:revert", args=[job.id]),
    }
    return render(request, "tags/revert.html", context)
