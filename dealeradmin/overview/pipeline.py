"""The numbers behind the overview, each in one query over the person's clusters.

Queries stay constant in number however many clusters, people or dealerships there are; new
clusters per day are bucketed in Python so each cluster counts on its own dealership's day.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from dealeradmin.accounts.models import Dealership
from dealeradmin.clusters.models import LeadCluster, LeadState
from dealeradmin.core.templatetags.local_time import shared_zone, zone_of

OPEN_STATES = (LeadState.NEW, LeadState.CONTACTED)
DAYS = 14
WAITING_SHOWN = 8


def list_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("clusters:list") + (f"?{query}" if query else "")


def percent(value: int, largest: int) -> float:
    """Bar length out of 100; a non-zero value always shows at least a sliver."""
    if not largest or not value:
        return 0
    return round(max(value * 100 / largest, 1.5), 1)


@dataclass
class Bar:
    label: str
    count: int
    url: str
    pct: float = 0
    css: str = ""


@dataclass
class Workload:
    name: str
    url: str
    dealership: str
    new: Bar
    contacted: Bar
    unassigned: bool = False
    total: int = 0
    new_pct: float = 0
    contacted_pct: float = 0


@dataclass
class Day:
    day: date
    count: int
    pct: float = 0
    y: float = 100
    today: bool = False

    @property
    def url(self) -> str:
        return list_url(created_on=self.day.isoformat(), sort="-created")


@dataclass
class Pipeline:
    total: int = 0
    open: int = 0
    unassigned_open: int = 0
    new_in_period: int = 0
    states: list[Bar] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    waiting: list[LeadCluster] = field(default_factory=list)
    zone_name: str = ""


def _dealership_param(dealerships: list[Dealership], dealership_id: int) -> str | None:
    if len(dealerships) < 2:
        return None
    return next((d.slug for d in dealerships if d.id == dealership_id), None)


def _states(clusters: QuerySet) -> list[Bar]:
    counts = dict(clusters.order_by().values_list("lead_state").annotate(n=Count("id")))
    bars = [
        Bar(label, counts.get(value, 0), list_url(state=value), css=f"state-{value}")
        for value, label in LeadState.choices
    ]
    largest = max((bar.count for bar in bars), default=0)
    for bar in bars:
        bar.pct = percent(bar.count, largest)
    return bars


def _workloads(clusters: QuerySet, dealerships: list[Dealership]) -> list[Workload]:
    rows = (
        clusters.filter(lead_state__in=OPEN_STATES)
        .order_by()
        .values("dealership_id", "assignee_id", "lead_state")
        .annotate(n=Count("id"), name=Max("assignee_name"))
    )
    people: dict[tuple, Workload] = {}
    names = {d.id: d.name for d in dealerships}
    for row in rows:
        key = (row["dealership_id"], row["assignee_id"])
        if key not in people:
            assignee = row["assignee_id"] if row["assignee_id"] is not None else "none"
            where = _dealership_param(dealerships, row["dealership_id"])
            people[key] = Workload(
                name=row["name"] or ("Unassigned" if assignee == "none" else f"#{assignee}"),
                url=list_url(assignee=assignee, state="open", dealership=where),
                dealership=names.get(row["dealership_id"], "") if len(dealerships) > 1 else "",
                new=Bar("New", 0, list_url(assignee=assignee, state="new", dealership=where)),
                contacted=Bar(
                    "Contacted",
                    0,
                    list_url(assignee=assignee, state="contacted", dealership=where),
                ),
                unassigned=assignee == "none",
            )
        bar = people[key].new if row["lead_state"] == LeadState.NEW else people[key].contacted
        bar.count = row["n"]
    workloads = list(people.values())
    for load in workloads:
        load.total = load.new.count + load.contacted.count
    largest = max((load.total for load in workloads), default=0)
    for load in workloads:
        load.new_pct = percent(load.new.count, largest)
        load.contacted_pct = percent(load.contacted.count, largest)
    # Unassigned work first (someone must pick it up), then the busiest people.
    workloads.sort(key=lambda w: (not w.unassigned, -w.total, w.name))
    return workloads


def _days(clusters: QuerySet, dealerships: list[Dealership], now: datetime) -> tuple:
    zones = {d.id: zone_of(d) for d in dealerships}
    display = shared_zone(dealerships)
    today = now.astimezone(display).date()
    first = today - timedelta(days=DAYS - 1)
    counts = {first + timedelta(days=i): 0 for i in range(DAYS)}
    since = now - timedelta(days=DAYS + 1)
    for dealership_id, created in (
        clusters.filter(created__gte=since).order_by().values_list("dealership_id", "created")
    ):
        day = created.astimezone(zones.get(dealership_id, display)).date()
        if day in counts:
            counts[day] += 1
    largest = max(counts.values(), default=0)
    days = []
    for day, count in counts.items():
        pct = percent(count, largest)
        days.append(Day(day, count, pct, round(100 - pct, 1), day == today))
    return days, str(display)


def _waiting(clusters: QuerySet) -> list[LeadCluster]:
    return list(
        clusters.filter(lead_state=LeadState.NEW, last_lead_created_at__isnull=False)
        .order_by(F("last_lead_created_at").asc(), "id")
        .only(
            "id",
            "dealership_id",
            "contact_name",
            "assignee_name",
            "last_lead_created_at",
            "lead_count",
        )[:WAITING_SHOWN]
    )


def pipeline_for(clusters: QuerySet, dealerships: list[Dealership]) -> Pipeline:
    now = timezone.now()
    states = _states(clusters)
    workloads = _workloads(clusters, dealerships)
    days, zone_name = _days(clusters, dealerships, now)
    waiting = _waiting(clusters)
    by_id = {d.id: d for d in dealerships}
    oldest = waiting[0].last_lead_created_at if waiting else None
    for cluster in waiting:
        cluster.dealership = by_id.get(cluster.dealership_id)
        waited = now - cluster.last_lead_created_at
        cluster.waited = (
            f"{waited.days} day{'s' if waited.days != 1 else ''}"
            if waited.days
            else timesince(cluster.last_lead_created_at, now, depth=1)
        )
        cluster.pct = percent(
            int((now - cluster.last_lead_created_at).total_seconds()),
            int((now - oldest).total_seconds()),
        )
    open_count = sum(bar.count for bar in states if bar.css in ("state-new", "state-contacted"))
    return Pipeline(
        total=sum(bar.count for bar in states),
        open=open_count,
        unassigned_open=sum(w.total for w in workloads if w.unassigned),
        new_in_period=sum(day.count for day in days),
        states=states,
        workloads=workloads,
        days=days,
        waiting=waiting,
        zone_name=zone_name,
    )
