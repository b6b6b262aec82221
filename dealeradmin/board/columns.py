"""What the board shows: the person's clusters in columns by one field, each column with its
count and its first cards, read from the mirror in a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from dealeradmin.clusters.forms import MAX_ID
from dealeradmin.clusters.models import CarInterest, ClusterTag, LeadCluster, LeadState

PER_COLUMN = 20
NONE_KEY = "none"
CONFIRM_STATES = ("lost", "invalid")
CARD_COLUMNS = (
    "id",
    "dealership_id",
    "lead_state",
    "approved",
    "contact_name",
    "assignee_id",
    "assignee_name",
    "secondary_user_name",
    "location_id",
    "location_name",
    "lead_status_option_id",
    "last_lead_created_at",
    "version",
)


@dataclass(frozen=True)
class Grouping:
    key: str
    label: str
    field: str  # the mirror's column
    body_field: str  # the Update Lead Cluster field a move changes

    def parse(self, raw: str):
        """A column key back to the value it stands for; ValueError when it is none of them."""
        if raw == NONE_KEY:
            return "" if self.key == "state" else None
        if self.key == "state":
            if raw in LeadState.values:
                return raw
        elif raw.isdigit() and 0 < int(raw) <= MAX_ID:
            return int(raw)
        raise ValueError(raw)

    def where(self, value) -> Q:
        if value is None:
            return Q(**{f"{self.field}__isnull": True})
        return Q(**{self.field: value})


GROUPINGS = {
    g.key: g
    for g in (
        Grouping("assignee", "Salesperson", "assignee_id", "user_id"),
        Grouping("state", "Lead state", "lead_state", "lead_state"),
        Grouping("location", "Location", "location_id", "location_id"),
        Grouping("status", "Lead status option", "lead_status_option_id", "lead_status_option_id"),
    )
}
DEFAULT_GROUPING = "assignee"


def column_key(value) -> str:
    return NONE_KEY if value in (None, "") else str(value)


@dataclass
class Column:
    key: str
    value: object
    label: str
    dealership_id: int | None = None  # when set, only that dealership's clusters fit here
    accepts: bool = True
    confirm: bool = False
    note: str = ""
    count: int = 0
    cards: list = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return len(self.cards) < self.count

    def fits(self, cluster: LeadCluster) -> bool:
        return self.dealership_id is None or self.dealership_id == cluster.dealership_id


def build_columns(
    grouping: Grouping, *, dealerships, users, locations, options, counts: dict[str, int]
) -> list[Column]:
    """Every column a card could go to, then any value the mirror holds that none of them is."""
    several = len(dealerships) > 1
    names = {d.id: d.name for d in dealerships}

    def owned(label: str, dealership_id: int) -> str:
        return f"{label} ({names.get(dealership_id, dealership_id)})" if several else label

    if grouping.key == "assignee":
        columns = [Column(NONE_KEY, None, "Unassigned", accepts=False, note="Takes no drops")]
        columns += [
            Column(str(u.ds_id), u.ds_id, owned(u.name, u.dealership_id), u.dealership_id)
            for u in users
        ]
    elif grouping.key == "state":
        columns = [
            Column(value, value, label, confirm=value in CONFIRM_STATES)
            for value, label in LeadState.choices
        ]
        if counts.get(NONE_KEY):
            columns.insert(0, Column(NONE_KEY, "", "No state", accepts=False))
    elif grouping.key == "location":
        columns = [Column(NONE_KEY, None, "No location")]
        columns += [
            Column(str(loc.ds_id), loc.ds_id, owned(loc.name, loc.dealership_id), loc.dealership_id)
            for loc in locations
        ]
    else:
        columns = [Column(NONE_KEY, None, "No status option")]
        columns += [
            Column(str(o.option_id), o.option_id, owned(str(o), o.dealership_id), o.dealership_id)
            for o in options
        ]
    seen: set[str] = set()
    unique = []
    for column in columns:
        if column.key not in seen:
            seen.add(column.key)
            unique.append(column)
    for key in sorted(set(counts) - seen):
        # A value only DealerStudio knows (e.g. a user missing from the token's list).
        unique.append(
            Column(key, grouping.parse(key), f"#{key} (not in your token's list)", accepts=False)
        )
    for column in unique:
        column.count = counts.get(column.key, 0)
    return unique


def count_by(clusters: QuerySet, grouping: Grouping) -> dict[str, int]:
    """One grouped query: how many clusters each column holds."""
    rows = clusters.order_by().values(grouping.field).annotate(n=Count("pk"))
    return {column_key(row[grouping.field]): row["n"] for row in rows}


def card_queryset(clusters: QuerySet) -> QuerySet:
    cars = (
        CarInterest.objects.filter(cluster=OuterRef("pk"))
        .order_by()
        .values("cluster")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        clusters.only(*CARD_COLUMNS)
        .annotate(car_count=Coalesce(Subquery(cars), 0))
        .prefetch_related(
            Prefetch(
                "tag_links",
                queryset=ClusterTag.objects.select_related("tag").order_by("position"),
            )
        )
    )


def _order_expressions(ordering: tuple[str, ...]) -> list:
    return [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]


def first_cards(
    clusters: QuerySet, grouping: Grouping, ordering: tuple[str, ...], per_column: int
) -> dict[str, list[LeadCluster]]:
    """The first `per_column` cards of every column in one query (a window over the columns),
    plus one for their tags, however many columns and clusters there are."""
    ranked = (
        card_queryset(clusters)
        .annotate(
            board_rank=Window(
                RowNumber(),
                partition_by=[F(grouping.field)],
                order_by=_order_expressions(ordering),
            )
        )
        .filter(board_rank__lte=per_column)
        .order_by("board_rank")
    )
    cards: dict[str, list[LeadCluster]] = {}
    for cluster in ranked:
        cards.setdefault(column_key(getattr(cluster, grouping.field)), []).append(cluster)
    return cards


def column_cards(
    clusters: QuerySet, grouping: Grouping, value, ordering: tuple[str, ...], offset: int, n: int
) -> list[LeadCluster]:
    """One column's next cards, in the column's order."""
    column = clusters.filter(grouping.where(value)).order_by(*ordering)
    return list(card_queryset(column)[offset : offset + n + 1])
