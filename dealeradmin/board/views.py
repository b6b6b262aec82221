"""The kanban board: lead clusters in columns by salesperson, state, location or status option.

Reads come from the mirror only (opening the board calls nothing upstream); every move is one
PUT of one field with the person's own token. htmx answers always come back 200 with the
fragments that show the truth, so a failed move puts the card back where it was.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from dealeradmin.accounts.access import (
    get_cluster_for_user,
    token_required,
)
from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.forms import MAX_ID, ClusterFilterForm
from dealeradmin.clusters.models import LeadCluster, LeadState, StatusOptionLabel, Tag
from dealeradmin.core.templatetags.local_time import age_text, in_zone, moment_text

from .columns import (
    DEFAULT_GROUPING,
    GROUPINGS,
    PER_COLUMN,
    Column,
    Grouping,
    attach_tags,
    build_columns,
    card_queryset,
    column_cards,
    column_key,
    count_by,
    first_cards,
)
from .services import MoveOutcome, cluster_move

BULK_LIMIT = 100
POLL_SECONDS = 30
POLL_OVERLAP = timedelta(seconds=5)  # a save committing while the board renders is seen twice
CHANGES_LIMIT = 200
CARD_TEMPLATE = "board/_card.jinja"
# get_lead_state_display() rebuilds its lookup on every call: once per card was a tenth of
# the cards' own time.
STATE_LABELS = dict(LeadState.choices)
BULK_NOTHING_SELECTED = "Select at least one card first."
BULK_TOO_MANY = f"Select at most {BULK_LIMIT} cards at once."
BULK_NO_TARGET = "Choose a salesperson or a state to assign the selected cards to."
BULK_DONE = "Updated {ok} of {total} selected lead clusters."
BULK_SOME_FAILED = (
    "Updated {ok} of {total} selected lead clusters; {failed} failed (still selected)."
)


@dataclass
class Scope:
    """What one board request sees: the person's dealerships, the list's filters, a grouping."""

    dealerships: list
    users: list
    locations: list
    options: list
    filter_form: ClusterFilterForm
    clusters: object
    grouping: Grouping
    ordering: tuple[str, ...]
    query: str

    @property
    def dealership_by_id(self) -> dict:
        return {d.id: d for d in self.dealerships}

    def columns(self, counts: dict[str, int] | None = None, grouping: Grouping | None = None):
        return build_columns(
            grouping or self.grouping,
            dealerships=self.dealerships,
            users=self.users,
            locations=self.locations,
            options=self.options,
            counts=counts or {},
        )


def _scope(request: HttpRequest) -> Scope:
    form = ClusterFilterForm.for_person(request.user, request.GET)
    dealerships, users, locations = form.dealerships, form.users, form.locations
    ids = [d.id for d in dealerships]
    options = list(StatusOptionLabel.objects.filter(dealership_id__in=ids))
    clusters = form.filter(LeadCluster.objects.filter(dealership_id__in=ids))
    grouping = GROUPINGS.get(request.GET.get("group", ""), GROUPINGS[DEFAULT_GROUPING])
    query = request.GET.copy()
    for name in ("since", "key", "offset"):
        query.pop(name, None)
    return Scope(
        dealerships=dealerships,
        users=users,
        locations=locations,
        options=options,
        filter_form=form,
        clusters=clusters,
        grouping=grouping,
        ordering=ClusterFilterForm.SORTS[form.cleaned_data.get("sort") or "-activity"],
        query=query.urlencode(),
    )


def _decorate(request: HttpRequest, scope: Scope, cards: list, selected: set[int] = frozenset()):
    """Gives each card its HTML (`card_html`), with its dealership, its column, whether it is
    selected and its tags (one query for all the cards of a response).

    The texts and links are made here and the card is rendered by Jinja2: a board shows 125
    cards or more, and each template lookup and filter is paid per card."""
    attach_tags(cards)
    dealerships = scope.dealership_by_id
    field = scope.grouping.field
    template = engines["jinja2"].get_template(CARD_TEMPLATE)
    shared = {
        "grouping": scope.grouping.key,
        "several_dealerships": len(scope.dealerships) > 1,
        "move_url": _move_url(scope),
        "csrf_token": get_token(request),
    }
    # reverse() costs more than rendering a card: once per dealership, then the id appended.
    edit_prefix = {
        d.id: reverse("clusters:edit", args=[d.slug, 1]).removesuffix("1/")
        for d in scope.dealerships
    }
    now = timezone.now()
    for cluster in cards:
        cluster.dealership = dealerships.get(cluster.dealership_id)
        cluster.column_key = column_key(getattr(cluster, field))
        cluster.selected = cluster.id in selected
        cluster.card_name = cluster.contact_name or "(no name)"
        cluster.edit_url = f"{edit_prefix[cluster.dealership_id]}{cluster.id}/"
        cluster.state_label = STATE_LABELS.get(cluster.lead_state, cluster.lead_state) or "No state"
        cluster.cars_label = f"{cluster.car_count} car{'' if cluster.car_count == 1 else 's'}"
        if cluster.last_lead_created_at:
            local = in_zone(cluster.last_lead_created_at, cluster.dealership)
            cluster.activity_iso = local.isoformat()
            cluster.activity_title = moment_text(local)
            cluster.activity_age = age_text(cluster.last_lead_created_at, now)
        # Jinja2 escaped every value; the Django template only places the result.
        cluster.card_html = mark_safe(template.render({**shared, "cluster": cluster}))
    return cards


def _move_url(scope: Scope) -> str:
    return reverse("board:move") + f"?{scope.query}"


def _since_value() -> str:
    return f"{(timezone.now() - POLL_OVERLAP).timestamp():.6f}"


def _base_context(scope: Scope) -> dict:
    return {
        "nav": "board",
        "scope": scope,
        "grouping": scope.grouping,
        "groupings": list(_GROUPING_CHOICES),
        "board_query": scope.query,
        "move_url": _move_url(scope),
        "several_dealerships": len(scope.dealerships) > 1,
        "poll_seconds": POLL_SECONDS,
    }


_GROUPING_CHOICES = [(g.key, g.label) for g in GROUPINGS.values()]


def _bulk_targets(scope: Scope) -> dict:
    assignee = [c for c in scope.columns(grouping=GROUPINGS["assignee"]) if c.accepts]
    states = [c for c in scope.columns(grouping=GROUPINGS["state"]) if c.accepts]
    return {"bulk_users": assignee, "bulk_states": states}


@token_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    since = _since_value()
    counts = count_by(scope.clusters, scope.grouping)
    columns = scope.columns(counts)
    cards = first_cards(
        scope.clusters,
        scope.grouping,
        scope.ordering,
        PER_COLUMN,
        [k for k, n in counts.items() if n],
    )
    _decorate(request, scope, [card for column_cards in cards.values() for card in column_cards])
    for column in columns:
        column.cards = cards.get(column.key, [])
    list_query = request.GET.copy()
    list_query.pop("group", None)
    context = {
        **_base_context(scope),
        **_bulk_targets(scope),
        "columns": columns,
        "since": since,
        "filter_form": scope.filter_form,
        "list_query": list_query.urlencode(),
        "tag_names": Tag.objects.filter(dealership_id__in=[d.id for d in scope.dealerships])
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:500],
    }
    template = "board/board.html"
    if request.htmx and not request.htmx.boosted:
        template += "#board-body"
    return render(request, template, context)


@token_required
@require_GET
def board_column(request: HttpRequest) -> HttpResponse:
    """The next cards of one column, for the sentinel at its end."""
    scope = _scope(request)
    key = request.GET.get("key", "")
    try:
        value = scope.grouping.parse(key)
        offset = int(request.GET.get("offset", "0"))
    except ValueError:
        return HttpResponseBadRequest("Unknown column or offset")
    offset = min(max(offset, 0), MAX_ID)
    cards = column_cards(scope.clusters, scope.grouping, key, scope.ordering, offset, PER_COLUMN)
    more = len(cards) > PER_COLUMN
    cards = cards[:PER_COLUMN]
    context = {
        **_base_context(scope),
        "column": Column(key, value, key),
        "cards": _decorate(request, scope, cards),
        "more": more,
        "next_offset": offset + len(cards),
    }
    return render(request, "board/board.html#column-page", context)


class MoveForm(forms.Form):
    cluster = forms.IntegerField(min_value=1, max_value=MAX_ID)
    dealership = forms.SlugField(max_length=200)
    to = forms.CharField(max_length=30)
    seen = forms.CharField(max_length=30, required=False)


def _updates(
    request: HttpRequest,
    scope: Scope,
    *,
    cluster_ids: list[int],
    header_keys: set[str] | None = None,
    selected: set[int] = frozenset(),
    message: tuple[str, str] | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    """Fresh cards, fresh column headers (out of band) and a message: what the board absorbs."""
    counts = count_by(scope.clusters, scope.grouping)
    columns = scope.columns(counts)
    headers = [c for c in columns if header_keys is None or c.key in header_keys]
    found = {
        c.id: c
        for c in card_queryset(
            LeadCluster.objects.filter(
                pk__in=cluster_ids, dealership_id__in=[d.id for d in scope.dealerships]
            )
        )
    }
    cards = _decorate(request, scope, [found[i] for i in cluster_ids if i in found], selected)
    context = {
        **_base_context(scope),
        "cards": cards,
        "headers": headers,
        "removed": [i for i in cluster_ids if i not in found],
        **(extra or {}),
    }
    response = render(request, "board/board.html#board-update", context)
    if message:
        response["HX-Trigger"] = json.dumps(
            {"showMessage": {"text": message[0], "level": message[1]}}
        )
    return response


def _back_to_board(request: HttpRequest, scope: Scope, text: str, level: int) -> HttpResponse:
    messages.add_message(request, level, text)
    return redirect(reverse("board:board") + (f"?{scope.query}" if scope.query else ""))


@token_required
@require_POST
def board_move(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Malformed move")
    data = form.cleaned_data
    dealership, cluster = get_cluster_for_user(request.user, data["dealership"], data["cluster"])
    before = column_key(getattr(cluster, scope.grouping.field))
    target = next((c for c in scope.columns() if c.key == data["to"]), None)
    outcome = cluster_move(
        user=request.user,
        dealership=dealership,
        cluster=cluster,
        grouping=scope.grouping,
        target=target,
        seen_key=data["seen"] or None,
    )
    level = ("success" if outcome.sent else "info") if outcome.ok else "error"
    if not request.htmx:
        levels = {"success": messages.SUCCESS, "info": messages.INFO, "error": messages.ERROR}
        return _back_to_board(request, scope, outcome.text, levels[level])
    return _updates(
        request,
        scope,
        cluster_ids=[cluster.id],
        header_keys={before, data["to"], data["seen"] or before},
        message=(outcome.text, level),
    )


def _bulk_target(scope: Scope, raw: str) -> tuple[Grouping, Column] | None:
    kind, _, key = raw.partition(":")
    grouping = GROUPINGS.get({"user": "assignee", "state": "state"}.get(kind, ""))
    if grouping is None:
        return None
    column = next((c for c in scope.columns(grouping=grouping) if c.key == key), None)
    return (grouping, column) if column and column.accepts else None


@token_required
@require_POST
def board_bulk(request: HttpRequest) -> HttpResponse:
    """Assigns the selected cards to one salesperson or state: one PUT per cluster that needs
    it, each cluster's outcome reported, the failed ones left selected."""
    scope = _scope(request)
    try:
        ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("selected")))
    except ValueError:
        return HttpResponseBadRequest("Malformed selection")
    target = _bulk_target(scope, request.POST.get("to", ""))
    problem = (
        BULK_NOTHING_SELECTED
        if not ids
        else BULK_TOO_MANY
        if len(ids) > BULK_LIMIT
        else BULK_NO_TARGET
        if target is None
        else None
    )
    if problem:
        if not request.htmx:
            return _back_to_board(request, scope, problem, messages.ERROR)
        return _updates(
            request,
            scope,
            cluster_ids=ids[:BULK_LIMIT],
            selected=set(ids),
            message=(problem, "error"),
        )
    dealerships = scope.dealership_by_id
    clusters = {
        c.id: c for c in LeadCluster.objects.filter(pk__in=ids, dealership_id__in=list(dealerships))
    }
    if len(clusters) != len(ids):
        raise Http404("No such lead cluster")
    grouping, column = target
    outcomes: list[MoveOutcome] = []
    for cluster_id in ids:
        cluster = clusters[cluster_id]
        outcomes.append(
            cluster_move(
                user=request.user,
                dealership=dealerships[cluster.dealership_id],
                cluster=cluster,
                grouping=grouping,
                target=column,
                action=AuditEntry.Action.BULK_ASSIGN,
            )
        )
    failed = [o for o in outcomes if not o.ok]
    ok = len(outcomes) - len(failed)
    summary = (
        BULK_SOME_FAILED.format(ok=ok, total=len(outcomes), failed=len(failed))
        if failed
        else BULK_DONE.format(ok=ok, total=len(outcomes))
    )
    if not request.htmx:
        return _back_to_board(
            request,
            scope,
            " ".join([summary, *(o.text for o in failed)]),
            messages.WARNING if failed else messages.SUCCESS,
        )
    results = [{"outcome": o, "cluster": clusters[o.cluster_id]} for o in outcomes]
    return _updates(
        request,
        scope,
        cluster_ids=ids,
        selected={o.cluster_id for o in failed},
        message=(summary, "warning" if failed else "success"),
        extra={"bulk_results": results, "bulk_target": column},
    )


@token_required
@require_GET
def board_changes(request: HttpRequest) -> HttpResponse:
    """What changed since the board last looked: the open board polls this."""
    scope = _scope(request)
    try:
        since = datetime.fromtimestamp(float(request.GET.get("since", "")), tz=UTC)
    except (ValueError, OverflowError, OSError):
        since = timezone.now() - POLL_OVERLAP
    next_since = _since_value()
    in_reach = LeadCluster.objects.filter(dealership_id__in=[d.id for d in scope.dealerships])
    changed = list(
        in_reach.filter(synced_at__gt=since).values_list("pk", flat=True)[: CHANGES_LIMIT + 1]
    )
    if len(changed) > CHANGES_LIMIT:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    matching = set(scope.clusters.filter(pk__in=changed).values_list("pk", flat=True))
    columns = scope.columns(count_by(scope.clusters, scope.grouping) if changed else None)
    cards = _decorate(
        request, scope, list(card_queryset(LeadCluster.objects.filter(pk__in=matching)))
    )
    context = {
        **_base_context(scope),
        "cards": cards,
        "headers": columns if changed else [],
        "removed": [i for i in changed if i not in matching],
        "poller": True,
        "since": next_since,
    }
    return render(request, "board/board.html#board-update", context)
