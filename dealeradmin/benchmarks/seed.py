"""Fill a throwaway mirror at a chosen size, shaped like the sandbox's seed.

The sandbox's own export goes in through the webhook's code, so the clusters an edit saves
exist upstream too; the rest are variations of those payloads with new ids, names and times,
parsed by the same `parse_payload` and written with `bulk_create` in batches.
"""

import json
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.dateparse import parse_datetime

from dealeradmin.accounts.services import token_store
from dealeradmin.clusters.ingest import ingest_payload, parse_payload
from dealeradmin.clusters.models import (
    CarInterest,
    ClusterStory,
    ClusterTag,
    LeadCluster,
    Tag,
    tag_key,
)

BENCH_USERNAME = "bench"
BENCH_PASSWORD = "benchmark only, never a real account"
# The sandbox's token that reaches both of its dealerships.
GROUP_TOKEN = "dsk_group_0002_f6e5d4c3b2a1"
FIRST_SYNTHETIC_ID = 1_000_000
FIRST_SYNTHETIC_CAR_ID = 50_000_000
BATCH = 2_000
RANDOM_SEED = 5
# The tag merge changes 1 000 clusters that DealerStudio (the sandbox) holds too.
TAG_MERGE_CLUSTERS = 1_000
QUICK_TAG_MERGE_CLUSTERS = 20


def upstream_clusters(quick: bool) -> int | None:
    """How many clusters the benchmark's sandbox seeds: enough for the tag merge (None: its
    default 400, plenty for a quick run)."""
    return None if quick else TAG_MERGE_CLUSTERS


def sandbox_payloads(sandbox) -> list[dict]:
    sandbox.reset()
    return [json.loads(line) for line in sandbox.export_jsonl().splitlines() if line.strip()]


def seed_mirror(*, clusters: int, sandbox, progress=lambda message: None) -> None:
    """The sandbox's clusters, then synthetic ones up to `clusters`, a bench user and token."""
    templates = sandbox_payloads(sandbox)
    for payload in templates[:clusters]:
        ingest_payload(payload)
    user = get_user_model().objects.create_superuser(
        username=BENCH_USERNAME, password=BENCH_PASSWORD, email=""
    )
    token_store(user=user, token=GROUP_TOKEN)
    remaining = max(0, clusters - len(templates))
    rng = random.Random(RANDOM_SEED)
    tags = _tag_rows(templates)
    first_names = sorted(
        {p["contact"]["first_name"] for p in templates if p["contact"]["first_name"]}
    )
    next_id, next_car = FIRST_SYNTHETIC_ID, FIRST_SYNTHETIC_CAR_ID
    while remaining:
        size = min(BATCH, remaining)
        payloads = [
            _variation(rng, rng.choice(templates), next_id + n, first_names) for n in range(size)
        ]
        next_car = _write_batch(payloads, tags, next_car)
        next_id += size
        remaining -= size
        done = next_id - FIRST_SYNTHETIC_ID + len(templates)
        if done % 20_000 < BATCH or not remaining:
            progress(f"seeded {done:,} clusters")


def _tag_rows(templates: list[dict]) -> dict[tuple[int, str], Tag]:
    names = {(p["dealership_id"], tag) for p in templates for tag in p.get("tags") or []}
    Tag.objects.bulk_create(
        [Tag(dealership_id=d, name=n, key=tag_key(n)) for d, n in sorted(names)],
        ignore_conflicts=True,
    )
    return {(t.dealership_id, t.name): t for t in Tag.objects.all()}


def _variation(rng: random.Random, template: dict, cluster_id: int, first_names: list) -> dict:
    """The template with another customer and its whole story moved back in time."""
    payload = json.loads(json.dumps(template))
    contact = payload["contact"]
    if contact.get("first_name"):
        contact["first_name"] = rng.choice(first_names)
    number = rng.randint(1, 99_999)
    first = (contact.get("first_name") or "lead").lower()
    last = (contact.get("last_name") or "customer").lower().replace("'", "")
    domain = (contact.get("email") or "x@example.com").rsplit("@", 1)[-1]
    contact["email"] = f"{first}.{last}{number}@{domain}"
    contact["phone"] = f"04{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    payload["Id"] = cluster_id
    shift = timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    for key in ("created", "modified", "first_lead_created_at", "last_lead_created_at"):
        payload[key] = _shifted(payload[key], shift)
    for row in (*payload["leads"], *payload["lead_events"]):
        row["created_at"] = _shifted(row["created_at"], shift)
    payload["status"] = rng.choice(["new", "new", "contacted", "contacted", "lost", "converted"])
    return payload


def _shifted(value: str | None, shift: timedelta) -> str | None:
    if not value:
        return value
    return (parse_datetime(value) - shift).isoformat()


def _write_batch(payloads: list[dict], tags: dict, next_car: int) -> int:
    clusters, stories, links, cars = [], [], [], []
    for payload in payloads:
        parsed = parse_payload(payload)
        cluster = LeadCluster(id=payload["Id"], **parsed.fields)
        clusters.append(cluster)
        stories.append(ClusterStory(cluster_id=cluster.id, **parsed.story))
        for position, name in enumerate(dict.fromkeys(parsed.tags or [])):
            tag = tags[(cluster.dealership_id, name)]
            links.append(ClusterTag(cluster_id=cluster.id, tag_id=tag.id, position=position))
        for car in parsed.cars or []:
            cars.append(CarInterest(cluster_id=cluster.id, **{**car, "ds_id": next_car}))
            next_car += 1
    with transaction.atomic():
        LeadCluster.objects.bulk_create(clusters, batch_size=500)
        ClusterStory.objects.bulk_create(stories, batch_size=500)
        ClusterTag.objects.bulk_create(links, batch_size=1000)
        CarInterest.objects.bulk_create(cars, batch_size=1000)
    return next_car
