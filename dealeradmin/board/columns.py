"""What the board shows: the person's clusters in columns by one field, each column with its
count and its first cards, read from the mirror in a fixed number of queries."""

from dataclasses import dataclass, field
from functools import cache

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.safestring import mark_safe

from dealeradmin.clusters.forms import MAX_ID
from dealeradmin.clusters.models import CarInterest, ClusterTag, LeadCluster, LeadState
from dealeradmin.core.rows import fetch, instances, order_sql

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
    "created",  # not shown, but a sort order the board's cards query orders by
    "version",
)
# One compound statement holds a bounded query per column (SQLite allows 500 terms); a board
# with more columns than this holding cards ranks every cluster in one window query instead.
MAX_UNION_COLUMNS = 200


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

    def where_key(self, key: str) -> Q:
        """The clusters `column_key` puts in this column (whatever value the mirror holds)."""
        text = self.key == "state"  # the only grouping by a text column
        if key == NONE_KEY:
            empty = Q(**{f"{self.field}__isnull": True})
            return empty | Q(**{self.field: ""}) if text else empty
        return Q(**{self.field: key if text else int(key)})


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
    def cards_html(self) -> str:
        """Its cards' HTML (see board/views.py `_decorate`) as one string: a loop over 125
        cards in the Django template cost more than joining them here."""
        return mark_safe("".join(card.card_html for card in self.cards))

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
    return clusters.only(*CARD_COLUMNS).annotate(car_count=Coalesce(Subquery(cars), 0))


def attach_tags(cards: list[LeadCluster]) -> None:
    """Gives each card `card_tags`, its tag names in upstream order, in one query for all of
    them (names only: a card needs no link or tag objects)."""
    if not cards:
        return
    names: dict[int, list[str]] = {}
    rows = (
        ClusterTag.objects.filter(cluster_id__in=[card.id for card in cards])
        .order_by("position", "id")
        .values_list("cluster_id", "tag__name")
    )
    for cluster_id, name in rows:
        names.setdefault(cluster_id, []).append(name)
    for card in cards:
        card.card_tags = names.get(card.id, [])


def _order_expressions(ordering: tuple[str, ...]) -> list:
    return [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in ordering]


def first_cards(
    clusters: QuerySet,
    grouping: Grouping,
    ordering: tuple[str, ...],
    per_column: int,
    keys,
) -> dict[str, list[LeadCluster]]:
    """The first `per_column` cards of each column in `keys` (those holding clusters), in one
    statement, plus one query for their tags, however many columns and clusters there are.

    Each column is its own bounded query (its first ids in its order, which an index on the
    column's field and the sort can answer without reading the rest of the column), and the
    columns are combined with UNION ALL, so the database never ranks the whole mirror. The
    ORM writes each column's query; the statement around them is written directly: built by
    the ORM, nested, it took twice as long to build as the database took to run it."""
    keys = sorted(keys)
    if not keys:
        return {}
    if len(keys) > MAX_UNION_COLUMNS:
        return _ranked_cards(clusters, grouping, ordering, per_column)
    firsts, params = [], []
    for n, key in enumerate(keys):
        column = clusters.filter(grouping.where_key(key)).order_by(*ordering).values("pk")
        sql, column_params = column[:per_column].query.sql_with_params()
        firsts.append(f"SELECT * FROM ({sql}) AS column_{n}")
        params += column_params
    cards: dict[str, list[LeadCluster]] = {}
    for cluster in _cards_among(" UNION ALL ".join(firsts), params, ordering):
        cards.setdefault(column_key(getattr(cluster, grouping.field)), []).append(cluster)
    return cards


def _cards_among(ids_sql: str, params: list, ordering: tuple[str, ...]) -> list[LeadCluster]:
    """The cards (CARD_COLUMNS and `car_count`, as `card_queryset` reads them) of the clusters
    whose ids `ids_sql` selects, in `ordering`."""
    names, fields, sql = _cards_statement(connection.vendor)
    order = order_sql(LeadCluster, ordering, "c")
    rows = fetch(f"{sql} IN ({ids_sql}) ORDER BY {order}", params, fields)
    cards = instances(LeadCluster, [row[:-1] for row in rows], names)
    for card, row in zip(cards, rows, strict=True):
        card.car_count = row[-1]
    return cards


@cache
def _cards_statement(vendor: str) -> tuple[tuple[str, ...], list, str]:
    """`_cards_among`'s statement up to the list of ids, built once."""
    quote = connection.ops.quote_name
    # In the model's order, as Model.from_db reads the values of some of its fields.
    fields = [f for f in LeadCluster._meta.concrete_fields if f.name in CARD_COLUMNS]
    cars = CarInterest._meta
    sql = (
        f"SELECT {', '.join(f'c.{quote(f.column)}' for f in fields)}, "
        f"(SELECT COUNT(*) FROM {quote(cars.db_table)} i "
        f"WHERE i.{quote(cars.get_field('cluster').column)} = c.{quote('id')}) "
        f"FROM {quote(LeadCluster._meta.db_table)} c WHERE c.{quote('id')}"
    )
    return tuple(f.name for f in fields), fields, sql


def _ranked_cards(
    clusters: QuerySet, grouping: Grouping, ordering: tuple[str, ...], per_column: int
) -> dict[str, list[LeadCluster]]:
    """`first_cards` for a board of very many columns: one window query ranking every
    matching cluster within its column."""
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
    clusters: QuerySet, grouping: Grouping, key: str, ordering: tuple[str, ...], offset: int, n: int
) -> list[LeadCluster]:
    """One column's next cards, in the column's order (the clusters `first_cards` draws in it:
    "No state" holds an empty state and none)."""
    column = clusters.filter(grouping.where_key(key)).order_by(*ordering)
    return list(card_queryset(column)[offset : offset + n + 1])
