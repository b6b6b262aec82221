"""The tag catalogue: every tag with its use, and the spellings that are likely the same tag.

Counts come from one annotated query; likely duplicates are worked out in Python over the
distinct keys of each dealership (a few hundred at most), so the page costs a fixed number of
queries however many tags there are.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from django.db.models import Count, Max, QuerySet

from dealeradmin.clusters.models import Tag, tag_key

NEAR_MISS_RATIO = 0.85

SORTS = {
    "name": ("key", "name", "dealership_id"),
    "-name": ("-key", "-name", "dealership_id"),
    "-clusters": ("-cluster_count", "key", "name"),
    "clusters": ("cluster_count", "key", "name"),
    "-last_used": ("-last_used", "key", "name"),
    "last_used": ("last_used", "key", "name"),
}


@dataclass
class CatalogueRow:
    id: int
    dealership_id: int
    name: str
    key: str
    cluster_count: int
    last_used: datetime | None
    same_key: list[str] = field(default_factory=list)
    near_miss: list[str] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)

    @property
    def duplicates(self) -> list[str]:
        return self.same_key + self.near_miss


def near_miss(a: str, b: str, ratio: float = NEAR_MISS_RATIO) -> bool:
    """Two different keys that are probably one word spelled twice ("follow up", "folow up")."""
    if a == b:
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= ratio
        and matcher.quick_ratio() >= ratio
        and matcher.ratio() >= ratio
    )


def near_miss_pairs(keys: list[str], ratio: float = NEAR_MISS_RATIO) -> dict[str, set[str]]:
    """Every key's near-miss neighbours among `keys`."""
    unique = sorted(set(keys))
    neighbours: dict[str, set[str]] = defaultdict(set)
    for i, a in enumerate(unique):
        for b in unique[i + 1 :]:
            if near_miss(a, b, ratio):
                neighbours[a].add(b)
                neighbours[b].add(a)
    return neighbours


def used_tags(dealership_ids: list[int]) -> QuerySet[Tag]:
    """Tags on at least one cluster, with how many and when one of them last had a lead."""
    return (
        Tag.objects.filter(dealership_id__in=dealership_ids)
        .annotate(
            cluster_count=Count("cluster_links"),
            last_used=Max("cluster_links__cluster__last_lead_created_at"),
        )
        .filter(cluster_count__gt=0)
    )


def catalogue_rows(
    dealership_ids: list[int], *, q: str = "", sort: str = "name", duplicates_only: bool = False
) -> list[CatalogueRow]:
    """One query for every used tag; search, sort and duplicates are applied in memory."""
    rows = [
        CatalogueRow(t.id, t.dealership_id, t.name, t.key, t.cluster_count, t.last_used)
        for t in used_tags(dealership_ids).order_by(*SORTS.get(sort, SORTS["name"]))
    ]
    _mark_duplicates(rows)
    if q:
        needle, folded = tag_key(q), q.casefold()
        rows = [r for r in rows if folded in r.name.casefold() or (needle and needle in r.key)]
    if duplicates_only:
        rows = [r for r in rows if r.duplicates]
    return rows


def _mark_duplicates(rows: list[CatalogueRow]) -> None:
    by_dealership: dict[int, list[CatalogueRow]] = defaultdict(list)
    for row in rows:
        by_dealership[row.dealership_id].append(row)
    for group in by_dealership.values():
        by_key: dict[str, list[CatalogueRow]] = defaultdict(list)
        for row in group:
            by_key[row.key].append(row)
        neighbours = near_miss_pairs(list(by_key))
        for row in group:
            row.same_key = sorted(r.name for r in by_key[row.key] if r is not row)
            row.near_miss = sorted(
                r.name for other in sorted(neighbours.get(row.key, ())) for r in by_key[other]
            )
        for row in group:
            names = {row.name, *row.duplicates}
            row.group_ids = sorted(r.id for r in group if r.name in names)
