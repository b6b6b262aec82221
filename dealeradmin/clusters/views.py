"""The lead cluster list and the edit page."""

import json
from dataclasses import replace
from functools import partial
from itertools import takewhile

from django.contrib import messages
from django.contrib.messages.constants import DEFAULT_TAGS
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from dealeradmin.accounts.access import get_dealership_for_user, is_admin, token_required
from dealeradmin.audit.models import AuditEntry
from dealeradmin.core.rows import Read, instances_read, read_all, rows_read, with_one_read
from dealeradmin.dealerstudio import errors
from dealeradmin.dealerstudio.payloads import car_rows_changes

from .forms import (
    BASE_SALT,
    MAX_ID,
    ClusterEditForm,
    ClusterFilterForm,
    car_formset,
    choice_lists_read,
)
from .ingest import held_tags_read
from .models import CarInterest, ClusterStory, ClusterTag, LeadCluster, Tag
from .services import ClusterBusy, cluster_update, editable_values

PAGE_SIZES = (25, 50, 100)
EDIT_CONTENT = "clusters/edit.jinja"
EDIT_PANEL = "clusters/_edit_panel.jinja"
SAVED = "Saved lead cluster #{id} ({name}) to DealerStudio."
NOTHING_CHANGED = "Nothing changed, so nothing was sent to DealerStudio."
FIX_ERRORS = "Please correct the errors below. Nothing was sent to DealerStudio."
BUSY = (
    "This cluster is being saved right now (by someone else, or by you in another tab), or "
    "has just been saved. Nothing was sent: save again in a moment to see those changes "
    "beside yours. (A save cut off part-way holds the cluster for up to two minutes.)"
)
CLASH = (
    "Someone else changed this cluster since you opened it. Choose, for each field below, "
    "whose value to keep, then save again. Your other changes are kept."
)
LIST_COLUMNS = (
    "id",
    "dealership_id",
    "lead_state",
    "approved",
    "contact_name",
    "contact_email",
    "contact_phone",
    "assignee_name",
    "assignee_id",
    "location_name",
    "last_lead_created_at",
    "lead_count",
)


def _list_context(request: HttpRequest) -> dict:
    form = ClusterFilterForm.for_person(request.user, request.GET)
    dealerships, users, locations = form.dealerships, form.users, form.locations
    ids = [d.id for d in dealerships]
    clusters = form.filter(LeadCluster.objects.filter(dealership_id__in=ids))
    return {
        "dealerships": dealerships,
        "dealership_by_id": {d.id: d for d in dealerships},
        "several_dealerships": len(dealerships) > 1,
        "users": users,
        "locations": locations,
        "filter_form": form,
        "clusters": clusters,
    }


def _tagged(clusters):
    return clusters.only(*LIST_COLUMNS).prefetch_related(
        Prefetch(
            "tag_links",
            queryset=ClusterTag.objects.select_related("tag").order_by("position"),
        )
    )


@token_required
@require_GET
def cluster_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    try:
        per_page = int(request.GET.get("per_page", 50))
    except ValueError:
        per_page = 50
    per_page = per_page if per_page in PAGE_SIZES else 50
    page = Paginator(_tagged(context["clusters"]), per_page).get_page(request.GET.get("page"))
    for cluster in page.object_list:
        cluster.dealership = context["dealership_by_id"].get(cluster.dealership_id)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        nav="leads",
        page=page,
        per_page=per_page,
        page_sizes=PAGE_SIZES,
        query_without_page=query.urlencode(),
        current_query=request.GET.urlencode(),
        tag_names=Tag.objects.filter(dealership_id__in=[d.id for d in context["dealerships"]])
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:500],
    )
    template = "clusters/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#cluster-results"
    return render(request, template, context)


def _back_url(request: HttpRequest) -> str:
    """Back to the list as the person left it: filters, search, sort and page."""
    back = request.GET.get("back") or request.POST.get("back") or ""
    url = reverse("clusters:list") + ("?" + back if back else "")
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return reverse("clusters:list")
    return url


def _edit_reads(dealership, cluster_id: int, *, for_page: bool) -> list[Read]:
    """What the edit page reads, none depending on another's answer, so they go to the
    database together (one round trip on PostgreSQL): the cluster, its cars of interest, its
    tags and the form's choice lists; for drawing the page (`for_page`), also the cluster's
    leads and events, the dealership's tag names and the cluster's history. Only a save that
    goes through skips drawing the page (one that does not reads its leads where it shows
    them: they are most of a cluster's bytes)."""
    where = {"cluster_id": cluster_id}
    found = {"id": cluster_id, "dealership_id": dealership.id}
    if for_page:
        cluster = with_one_read(LeadCluster, ClusterStory, "cluster", found)
    else:
        alone = instances_read(LeadCluster, CLUSTER_FIELDS, found)
        cluster = replace(alone, load=lambda rows: [(c, None) for c in alone.load(rows)])
    reads = [
        cluster,
        instances_read(CarInterest, CAR_INTEREST_FIELDS, where, order_by=("id",)),
        held_tags_read(cluster_id),
        choice_lists_read(dealership),
    ]
    return reads + _page_reads(dealership, cluster_id) if for_page else reads


def _page_reads(dealership, cluster_id: int) -> list[Read]:
    """The tag names the tags field suggests, and the cluster's latest 20 audit entries,
    newest first."""
    return [
        rows_read(Tag, ("name",), {"dealership_id": dealership.id}, order_by=("name",), limit=500),
        instances_read(
            AuditEntry,
            HISTORY_FIELDS,
            {"cluster_id": cluster_id},
            order_by=("-created_at", "-id"),
            limit=20,
        ),
    ]


def _found_cluster(with_story: list) -> LeadCluster:
    """The cluster from its read with its story (None: none yet, or not read; the page reads
    it if it shows it); none (another dealership's, or not in the mirror) is a 404."""
    if not with_story:
        raise Http404("No such lead cluster")
    cluster, story = with_story[0]
    if story is not None:
        cluster.story = story
    return cluster


def _show_upstream_error(form, cars, error: errors.DealerStudioError, origins: list[int]) -> None:
    """Puts DealerStudio's reasons on the fields they name, the rest above the form."""
    if isinstance(error, errors.Rejected):
        unplaced = list(error.base_errors)
        for name, reasons in error.field_errors.items():
            text = " ".join(reasons) or "DealerStudio rejected this value."
            row_field = _car_row_field(name)
            if row_field and row_field[0] < len(origins):
                row_form = cars.forms[origins[row_field[0]]]
                if row_field[1] in row_form.fields:
                    row_form.add_error(row_field[1], text)
                    continue
            if name in form.fields and name != "base":
                form.add_error(name, text)
            else:
                unplaced.append(f"{name}: {text}")
        for reason in unplaced:
            form.add_error(None, reason)


def _car_row_field(name: str) -> tuple[int, str] | None:
    """`car_lead_clusters_attributes[2].year` → (2, "year")."""
    prefix = "car_lead_clusters_attributes["
    if not name.startswith(prefix) or "]." not in name:
        return None
    index, _, field = name[len(prefix) :].partition("].")
    return (int(index), field) if index.isdigit() else None


def _rebased(base: dict, current: dict, body: dict) -> dict:
    """What the next save of a clashing form is compared with: the newest values of the fields
    this save changes (so the person's choice settles the clash) and, for every other field,
    the values the form was opened with, which it still shows, so they are not sent back over
    someone else's newer ones."""
    changed = {"cars" if name == "car_lead_clusters_attributes" else name for name in body}
    return {
        name: current[name] if name in changed else base.get(name, value)
        for name, value in current.items()
    }


def _show_in_form(data, name: str, value) -> None:
    """Writes `value` into the submitted data as the form would have sent it."""
    data.pop(f"clash_{name}", None)
    if name == "cars":
        for key in [k for k in data if k.split("-")[0] == "cars" and k.split("-")[1].isdigit()]:
            data.pop(key)
        for index, car in enumerate(value):
            for field, item in car.items():
                data[f"cars-{index}-{field}"] = "" if item is None else str(item)
        data["cars-TOTAL_FORMS"] = data["cars-INITIAL_FORMS"] = str(len(value))
    elif name == "approved":
        data.pop("approved", None)
        if value:
            data["approved"] = "on"
    elif name == "tags":
        data["tags"] = "\n".join(value)
    elif name == "car_ids":
        data["car_ids"] = ", ".join(str(car) for car in value)
    else:
        data[name] = "" if value is None else str(value)
        if name == "lead_status_option_id":
            data["lead_status_option_other"] = ""


def _shown(form, name: str, value) -> str:
    """A value as the person knows it: names rather than ids."""
    if value in (None, "", []):
        return ""
    if name == "approved":
        return "Yes" if value else "No"
    if name == "tags":
        return ", ".join(value)
    if name == "car_ids":
        return ", ".join(str(car) for car in value)
    if name == "cars":
        return "; ".join(_car_text(row) for row in value if not row.get("_destroy"))
    field = form.fields.get(name)
    choices = dict(getattr(field, "choices", None) or [])
    return str(choices.get(value, value))


def _car_text(row: dict) -> str:
    """ "car 30749 (2024, GT, red)": every field a person can change in a row, so two versions
    of a row that differ only in badge or colour read differently."""
    details = [str(row[name]) for name in ("year", "badge", "colour") if row.get(name)]
    return f"car {row['car_id']}" + (f" ({', '.join(details)})" if details else "")


def _clashes(base: dict, current: dict, body: dict, submitted: dict) -> list[str]:
    """Fields this save would change that someone else changed since the form was opened, to
    something other than what this save holds (the same value, say from this person's own
    save that timed out, is no clash)."""
    fields = ["cars" if name == "car_lead_clusters_attributes" else name for name in body]
    return [
        name
        for name in fields
        if base.get(name) != current.get(name) and submitted.get(name) != current.get(name)
    ]


@token_required
def cluster_edit(request: HttpRequest, slug: str, cluster_id: int) -> HttpResponse:
    dealership = get_dealership_for_user(request.user, slug)
    if not 0 < cluster_id <= MAX_ID:
        raise Http404("No such lead cluster")
    with_story, car_interests, held, choice_lists, *page_reads = read_all(
        _edit_reads(dealership, cluster_id, for_page=request.method != "POST")
    )
    cluster = _found_cluster(with_story)
    tags = [name for _, name in held]
    current = editable_values(cluster, tags=tags, cars=car_interests)
    upstream_error = None
    clash_rows: list[dict] = []
    kept_theirs: list[str] = []
    panel_notes: list[tuple[str, str]] = []
    if request.method == "POST":
        data = request.POST.copy()
        form = ClusterEditForm(
            data, dealership=dealership, cluster=cluster, base=current, choice_lists=choice_lists
        )
        opened_with = form.cleaned_data["base"] if form.is_valid() else None
        cars = car_formset(data, current, opened_with=opened_with)
        if form.is_valid() and cars.is_valid():
            base = form.cleaned_data["base"]
            submitted = form.submitted_values(cars)
            # Where the person settled a clash by keeping the other value, drop theirs.
            for name in submitted:
                if data.get(f"clash_{name}") == "theirs":
                    submitted[name] = current[name]
                    kept_theirs.append(name)
            body = form.update_body(submitted)
            clashes = _clashes(base, current, body, submitted)
            if clashes:
                _tell(request, messages.WARNING, CLASH, panel_notes)
                clash_rows = [
                    {
                        "name": name,
                        "label": _field_label(form, name),
                        "theirs": _shown(form, name, current[name]),
                        "mine": _shown(form, name, submitted[name]),
                    }
                    for name in clashes
                ]
                rebased = _rebased(base, current, body)
                data["base"] = signing.dumps(rebased, salt=BASE_SALT, compress=True)
            elif not body:
                if request.htmx:
                    return _saved_in_panel(cluster.id, NOTHING_CHANGED, "info")
                messages.info(request, NOTHING_CHANGED)
                return redirect(_back_url(request))
            else:
                try:
                    cluster_update(
                        user=request.user,
                        dealership=dealership,
                        cluster=cluster,
                        base=base,
                        body=body,
                        claim=True,
                    )
                except ClusterBusy:
                    _tell(request, messages.WARNING, BUSY, panel_notes)
                except errors.DealerStudioError as error:
                    upstream_error = error
                    origins: list[int] = []
                    car_rows_changes(base["cars"], submitted["cars"], origins)
                    _show_upstream_error(form, cars, error, origins)
                else:
                    saved = SAVED.format(id=cluster.id, name=cluster.contact_name or "no name")
                    if request.htmx:
                        return _saved_in_panel(cluster.id, saved, "success")
                    messages.success(request, saved)
                    return redirect(_back_url(request))
        elif not upstream_error:
            _tell(request, messages.ERROR, FIX_ERRORS, panel_notes)
    else:
        form = ClusterEditForm(
            dealership=dealership, cluster=cluster, base=current, choice_lists=choice_lists
        )
        cars = car_formset(None, current)
    for name in kept_theirs:
        # From now on the form shows the value the person chose to keep.
        _show_in_form(data, name, current[name])
    if "cars" in kept_theirs:
        cars = car_formset(data, current)
    tag_names, history = page_reads or read_all(_page_reads(dealership, cluster.id))
    context = {
        "nav": "leads",
        "dealership": dealership,
        "cluster": cluster,
        "form": form,
        "cars": cars,
        "car_interests": car_interests,
        "upstream_error": upstream_error,
        "token_invalid": isinstance(upstream_error, errors.TokenInvalid),
        "clashes": clash_rows,
        "panel_notes": panel_notes,
        "back_query": request.GET.get("back") or request.POST.get("back") or "",
        "back_url": _back_url(request),
        "tag_suggestions": [name for (name,) in tag_names],
        "history": history,
        "unknown_saves": _unknown_since_last_success(history),
        "is_admin": partial(is_admin, request.user),
    }
    # The board opens this form in a side panel (htmx) and only wants the form back.
    if request.htmx:
        return HttpResponse(_jinja(EDIT_PANEL).render(context, request))
    context["content"] = mark_safe(_jinja(EDIT_CONTENT).render(context, request))
    return render(request, "clusters/edit.html", context)


CLUSTER_FIELDS = tuple(field.name for field in LeadCluster._meta.concrete_fields)
CAR_INTEREST_FIELDS = tuple(field.name for field in CarInterest._meta.concrete_fields)
HISTORY_FIELDS = tuple(field.name for field in AuditEntry._meta.concrete_fields)


def _unknown_since_last_success(history: list) -> list:
    """Saves whose outcome nobody learned (the dashboard stopped mid-call), made since the last
    save that went through: that one showed the values the page holds now."""
    unsettled = takewhile(lambda entry: entry.outcome != AuditEntry.Outcome.SUCCEEDED, history)
    return [entry for entry in unsettled if entry.outcome_unknown]


def _jinja(name: str):
    # The edit page's content is Jinja2 (escaping every value itself); the Django template
    # around it only places it in the layout. Most of the page's time was the Django template
    # language's cost per variable and per include.
    return engines["jinja2"].get_template(name)


def _tell(request: HttpRequest, level: int, text: str, panel_notes: list) -> None:
    """A page shows its messages at the top. The board's side panel (htmx) has no top, and a
    message queued from it would show on the next page instead: there it goes in the panel."""
    if request.htmx:
        panel_notes.append((DEFAULT_TAGS[level], text))
    else:
        messages.add_message(request, level, text)


def _saved_in_panel(cluster_id: int, text: str, level: str) -> HttpResponse:
    """For the board's side panel: no page to go back to, so say it and let the board catch up."""
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps(
        {"clusterSaved": {"id": cluster_id}, "showMessage": {"text": text, "level": level}}
    )
    return response


def _field_label(form, name: str) -> str:
    if name == "cars":
        return "Cars of interest"
    return str(form.fields[name].label) if name in form.fields else name
