"""What a tag job will send: each affected cluster's whole tag list, before and after.

The list functions are pure; the `plan_*` functions read the mirror with a fixed number of
queries and return only clusters whose list actually changes.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from dealeradmin.clusters.models import ClusterTag, LeadCluster, Tag

SAMPLE_SIZE = 8


@dataclass(frozen=True)
class Change:
    dealership_id: int
    cluster_id: int
    old: list[str]
    new: list[str]


def merged(tags: list[str], sources: set[str], target: str) -> list[str]:
    """Every source spelling becomes `target`, kept where the first one stood."""
    result: list[str] = []
    for tag in tags:
        tag = target if tag in sources else tag
        if tag not in result:
            result.append(tag)
    return result


def without(tags: list[str], names: set[str]) -> list[str]:
    return [tag for tag in tags if tag not in names]


def with_added(tags: list[str], name: str) -> list[str]:
    return tags if name in tags else [*tags, name]


def current_tags(cluster_ids) -> dict[int, tuple[int, list[str]]]:
    """{cluster id: (dealership id, tag names in order)} for clusters in the mirror."""
    found = {
        cid: (did, [])
        for cid, did in LeadCluster.objects.filter(id__in=cluster_ids).values_list(
            "id", "dealership_id"
        )
    }
    links = (
        ClusterTag.objects.filter(cluster_id__in=cluster_ids)
        .order_by("cluster_id", "position", "id")
        .values_list("cluster_id", "tag__name")
    )
    for cluster_id, name in links:
        found[cluster_id][1].append(name)
    return found


def _changes(clusters: dict[int, tuple[int, list[str]]], change) -> list[Change]:
    planned = []
    for cluster_id in sorted(clusters):
        dealership_id, old = clusters[cluster_id]
        new = change(dealership_id, old)
        if new != old:
            planned.append(Change(dealership_id, cluster_id, old, new))
    return planned


def _clusters_with(tags: list[Tag]) -> list[int]:
    return list(
        ClusterTag.objects.filter(tag__in=tags).values_list("cluster_id", flat=True).distinct()
    )


def _names_by_dealership(tags: list[Tag]) -> dict[int, set[str]]:
    names: dict[int, set[str]] = defaultdict(set)
    for tag in tags:
        names[tag.dealership_id].add(tag.name)
    return names


def plan_merge(tags: list[Tag], target: str) -> list[Change]:
    """Rename or merge: in each dealership, the chosen spellings become `target`."""
    sources = _names_by_dealership(tags)
    clusters = current_tags(_clusters_with(tags))
    return _changes(clusters, lambda did, old: merged(old, sources.get(did, set()), target))


def plan_delete(tags: list[Tag]) -> list[Change]:
    names = _names_by_dealership(tags)
    clusters = current_tags(_clusters_with(tags))
    return _changes(clusters, lambda did, old: without(old, names.get(did, set())))


def plan_add(cluster_ids: list[int], name: str) -> list[Change]:
    return _changes(current_tags(cluster_ids), lambda did, old: with_added(old, name))


def plan_remove(cluster_ids: list[int], name: str) -> list[Change]:
    return _changes(current_tags(cluster_ids), lambda did, old: without(old, {name}))


@dataclass
class Preview:
    total: int
    per_dealership: list[tuple[object, int]]
    sample: list[Change]


def preview(changes: list[Change], dealerships: dict[int, object]) -> Preview:
    counts = Counter(change.dealership_id for change in changes)
    return Preview(
        total=len(changes),
        per_dealership=[(dealerships.get(did, f"#{did}"), n) for did, n in sorted(counts.items())],
        sample=changes[:SAMPLE_SIZE],
    )
