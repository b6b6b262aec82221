"""Turning Lead Cluster Webhook payloads into mirror rows, and recording our own saves.

A payload older than what the mirror holds changes nothing, and so does a repeat of the same
one: deliveries may come twice, late, or at the same moment.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dealeradmin.core.rows import Read, insert_row, insert_rows, read_all, select_rows, update_row

from .models import (
    CarInterest,
    ClusterStory,
    ClusterTag,
    LeadCluster,
    StatusOptionLabel,
    Tag,
    tag_key,
)

# Every top-level field the documentation marks required.
REQUIRED_FIELDS = (
    "Id",
    "dealership_id",
    "provider",
    "status",
    "contact",
    "approver",
    "assigned_salesperson",
    "created",
    "modified",
    "first_lead_created_at",
    "last_lead_created_at",
    "leads",
    "lead_events",
)
MAX_TEXT = 10_000
# Indexed text must fit a PostgreSQL btree entry (about 2 700 bytes) in any script: the sortable
# display name and tag names are cut to these lengths; the names themselves are kept whole.
DISPLAY_NAME_LIMIT = 200
TAG_NAME_LIMIT = 500


# The mirror's indexed columns a delivery sets (see LeadCluster.Meta and migration 0006).
INDEXED_COLUMNS = (
    "dealership_id",
    "lead_state",
    "assignee_id",
    "location_id",
    "lead_status_option_id",
    "contact_name",
    "search_text",
    "created",
    "last_lead_created_at",
)


class PayloadInvalid(ValueError):
    """The payload is not a Lead Cluster Webhook body we can trust."""


@dataclass(frozen=True)
class IngestResult:
    cluster_id: int
    outcome: str  # "created", "updated", "stale" or "duplicate"


def _int(value, name: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadInvalid(f"{name} is not an integer")
    try:
        number = int(value)
    except ValueError:
        raise PayloadInvalid(f"{name} is not an integer") from None
    if not -(2**63) < number < 2**63:
        raise PayloadInvalid(f"{name} is out of range")
    return number


def _time(value, name: str, *, optional: bool = True) -> datetime | None:
    if value in (None, "") and optional:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise PayloadInvalid(f"{name} is not a timestamp")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)[:MAX_TEXT]


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _person(value, name: str) -> tuple[int | None, str]:
    if value is None:
        return None, ""
    if not isinstance(value, dict):
        raise PayloadInvalid(f"{name} is not an object")
    return _int(value.get("id"), f"{name}.id", optional=True), _text(value.get("name"))


@dataclass
class ParsedPayload:
    fields: dict
    tags: list[str] | None
    cars: list[dict] | None
    status_option: tuple[int, str] | None
    story: dict  # ClusterStory's fields: the leads and events


def parse_payload(payload: object) -> ParsedPayload:
    if not isinstance(payload, dict):
        raise PayloadInvalid("the body is not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in payload]
    if missing:
        raise PayloadInvalid("missing required fields: " + ", ".join(missing))
    contact = payload["contact"] or {}
    if not isinstance(contact, dict):
        raise PayloadInvalid("contact is not an object")
    if not isinstance(payload["leads"], list) or not isinstance(payload["lead_events"], list):
        raise PayloadInvalid("leads and lead_events must be lists")
    modified = _time(payload["modified"], "modified", optional=False)
    assignee_id, assignee_name = _person(payload["assigned_salesperson"], "assigned_salesperson")
    approver_id, approver_name = _person(payload["approver"], "approver")
    secondary_id, secondary_name = _person(
        payload.get("secondary_salesperson"), "secondary_salesperson"
    )
    location_id, location_name = _person(payload.get("location"), "location")
    first, last = _text(contact.get("first_name")), _text(contact.get("last_name"))
    email, phone = _text(contact.get("email")), _text(contact.get("phone"))
    business = _text(contact.get("business_name"))
    name = " ".join(part for part in (first, last) if part) or business or email
    digits = "".join(ch for ch in phone if ch.isdigit())
    fields = {
        "dealership_id": _int(payload["dealership_id"], "dealership_id"),
        "provider": _text(payload["provider"])[:100],
        "lead_state": _text(payload["status"])[:20],
        "approved": bool(payload.get("approved", approver_id is not None)),
        "business_name": business,
        "contact_first_name": first,
        "contact_last_name": last,
        "contact_email": email,
        "contact_phone": phone,
        "contact_name": _shortened(name, DISPLAY_NAME_LIMIT),
        "search_text": " ".join([name, email, phone, digits]).casefold(),
        "assignee_id": assignee_id,
        "assignee_name": assignee_name,
        "secondary_user_id": secondary_id,
        "secondary_user_name": secondary_name,
        "approver_id": approver_id,
        "approver_name": approver_name,
        "location_id": location_id,
        "location_name": location_name,
        "lead_count": len(payload["leads"]),
        "created": _time(payload["created"], "created"),
        "modified": modified,
        "first_lead_created_at": _time(payload["first_lead_created_at"], "first_lead_created_at"),
        "last_lead_created_at": _time(payload["last_lead_created_at"], "last_lead_created_at"),
    }
    status_option = None
    if "lead_status_option" in payload or "lead_status_option_id" in payload:
        option = payload.get("lead_status_option")
        if isinstance(option, dict):
            option_id = _int(option.get("id"), "lead_status_option.id", optional=True)
            status_option = (option_id, _text(option.get("name"))[:200]) if option_id else None
        else:
            option_id = _int(
                payload.get("lead_status_option_id"), "lead_status_option_id", optional=True
            )
            status_option = (option_id, "") if option_id else None
        fields["lead_status_option_id"] = option_id
    if "car_ids" in payload:
        if not isinstance(payload["car_ids"], list):
            raise PayloadInvalid("car_ids must be a list")
        fields["car_ids"] = [_int(c, "car_ids[]") for c in payload["car_ids"]]
    tags = None
    if "tags" in payload:
        if not isinstance(payload["tags"], list):
            raise PayloadInvalid("tags must be a list")
        tags = [_shortened(_text(tag), TAG_NAME_LIMIT) for tag in payload["tags"] if _text(tag)]
    cars = None
    if "cars" in payload:
        if not isinstance(payload["cars"], list):
            raise PayloadInvalid("cars must be a list")
        cars = [_parse_car(car) for car in payload["cars"]]
    if tags is not None:
        fields["delivered_tags_digest"] = relations_digest(tags)
    if cars is not None:
        fields["delivered_cars_digest"] = relations_digest(cars)
    story = {"leads": payload["leads"][:200], "lead_events": payload["lead_events"][:200]}
    return ParsedPayload(fields, tags, cars, status_option, story)


def relations_digest(rows: list) -> str:
    return hashlib.blake2b(
        json.dumps(rows, sort_keys=True).encode(), digest_size=16, usedforsecurity=False
    ).hexdigest()


def _parse_car(car) -> dict:
    if not isinstance(car, dict):
        raise PayloadInvalid("cars[] must be objects")
    return {
        "ds_id": _int(car.get("id"), "cars[].id", optional=True),
        "car_id": _int(car.get("car_id"), "cars[].car_id"),
        "family_id": _int(car.get("family_id"), "cars[].family_id"),
        "manufacturer_id": _int(car.get("manufacturer_id"), "cars[].manufacturer_id"),
        "year": _int(car.get("year"), "cars[].year", optional=True),
        "badge": _text(car.get("badge")),
        "colour": _text(car.get("colour")),
    }


def without_nuls(value):
    """`value` with every NUL character removed from its strings (keys included).

    PostgreSQL text and jsonb cannot hold NUL, and no person typed one on purpose: dropping it
    keeps the rest of the cluster, where refusing the payload would lose all of it.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nuls(item) for item in value]
    if isinstance(value, dict):
        return {without_nuls(key): without_nuls(item) for key, item in value.items()}
    return value


def ingest_payload(payload: object, *, nul_free: bool = False) -> IngestResult:
    """Applies one webhook payload to the mirror; raises PayloadInvalid and changes nothing.

    `nul_free`: the caller knows no string in the payload holds a NUL (say its JSON text has
    no \\u0000), which spares walking all of it to remove them."""
    if not nul_free:
        payload = without_nuls(payload)
    parsed = parse_payload(payload)
    cluster_id = _int(payload["Id"], "Id")
    if cluster_id < 1:  # an id no page could link to (the edit page's URL takes 1 and up)
        raise PayloadInvalid("Id is out of range")
    for _ in range(2):
        try:
            with transaction.atomic():
                return _apply(cluster_id, parsed)
        except IntegrityError:
            # Two first deliveries of one cluster raced to create it: the loser applies again.
            continue
    raise PayloadInvalid("could not store the cluster")


def _apply(cluster_id: int, parsed: ParsedPayload) -> IngestResult:
    # The row lock serialises concurrent deliveries of one cluster (PostgreSQL); SQLite
    # serialises all writers anyway. Only the columns the decision needs are read.
    held = next(
        iter(
            select_rows(
                LeadCluster,
                (
                    "modified",
                    "written_by_us_at",
                    "delivered_tags_digest",
                    "delivered_cars_digest",
                    *INDEXED_COLUMNS,
                ),
                {"id": cluster_id},
                for_update=True,
            )
        ),
        None,
    )
    fields = parsed.fields
    if held is None:
        insert_row(LeadCluster(id=cluster_id, **fields))
        insert_row(ClusterStory(cluster_id=cluster_id, **parsed.story))
        outcome = "created"
        tags_held = cars_held = False
    else:
        modified, written_by_us_at, tags_digest, cars_digest, *indexed = held
        incoming = fields["modified"]
        if modified is not None and incoming < modified:
            return IngestResult(cluster_id, "stale")
        if modified is not None and incoming == modified and written_by_us_at is None:
            return IngestResult(cluster_id, "duplicate")
        # An indexed column left out of the UPDATE leaves its indexes untouched: most
        # deliveries change a cluster's story, not its state, people or name.
        unchanged = {
            name
            for name, value in zip(INDEXED_COLUMNS, indexed, strict=True)
            if name in fields and fields[name] == value
        }
        update_row(
            LeadCluster,
            cluster_id,
            {
                **{name: value for name, value in fields.items() if name not in unchanged},
                "written_by_us_at": None,
                "synced_at": timezone.now(),
            },
            increment=("version",),
        )
        if not update_row(ClusterStory, cluster_id, parsed.story):
            insert_row(ClusterStory(cluster_id=cluster_id, **parsed.story))
        outcome = "updated"
        tags_held = tags_digest and tags_digest == fields.get("delivered_tags_digest")
        cars_held = cars_digest and cars_digest == fields.get("delivered_cars_digest")
    dealership_id = fields["dealership_id"]
    fresh = outcome == "created"  # a new cluster has no tags or cars to compare or remove
    if parsed.tags is not None and not tags_held:
        _replace_tags(cluster_id, dealership_id, parsed.tags, fresh=fresh)
    if parsed.cars is not None and not cars_held:
        _replace_cars(cluster_id, parsed.cars, fresh=fresh)
    if parsed.status_option:
        option_id, name = parsed.status_option
        # Recorded once; a name only fills one not yet known (an admin's name stays).
        insert_row(
            StatusOptionLabel(dealership_id=dealership_id, option_id=option_id, name=name),
            on_conflict=STATUS_OPTION_NAMED_ONCE,
        )
    return IngestResult(cluster_id, outcome)


STATUS_OPTION_NAMED_ONCE = (
    "ON CONFLICT (dealership_id, option_id) DO UPDATE SET name = excluded.name "
    f"WHERE {StatusOptionLabel._meta.db_table}.name = '' AND excluded.name <> ''"
)


def set_cluster_tags(cluster_id: int, dealership_id: int, names: list[str]) -> None:
    """Replaces the cluster's tags with `names`, in order, creating tag rows as needed."""
    _replace_tags(cluster_id, dealership_id, names, fresh=False)


def _replace_tags(cluster_id: int, dealership_id: int, names: list[str], *, fresh: bool) -> None:
    unique = list(dict.fromkeys(names))
    kept = 0
    if not fresh:
        links = ClusterTag.objects.filter(cluster_id=cluster_id)
        held = held_tags(cluster_id)
        wanted = [(dealership_id, name) for name in unique]
        if held == wanted:
            return  # most deliveries repeat the tags the mirror holds
        if held == wanted[: len(held)]:
            kept = len(held)  # tags added at the end (a merge, a bulk add): only those written
        else:
            links.delete()
    unique = unique[kept:]
    if not unique:
        return
    existing = dict(
        select_rows(Tag, ("name", "id"), {"dealership_id": dealership_id, "name": unique})
    )
    missing = [n for n in unique if n not in existing]
    if missing:
        Tag.objects.bulk_create(
            [Tag(dealership_id=dealership_id, name=n, key=tag_key(n)) for n in missing],
            ignore_conflicts=True,
        )
        existing.update(
            Tag.objects.filter(dealership_id=dealership_id, name__in=missing).values_list(
                "name", "id"
            )
        )
    insert_rows(
        [
            ClusterTag(cluster_id=cluster_id, tag_id=existing[name], position=i)
            for i, name in enumerate(unique, start=kept)
        ]
    )


def held_tags_read(cluster_id: int) -> Read:
    """A read of (dealership id, name) of the cluster's tags, in their order."""
    links, tags = ClusterTag._meta.db_table, Tag._meta.db_table
    return Read(
        f"SELECT t.dealership_id, t.name FROM {links} l JOIN {tags} t ON t.id = l.tag_id "
        "WHERE l.cluster_id = %s ORDER BY l.position, l.id",
        [cluster_id],
        [Tag._meta.get_field("dealership_id"), Tag._meta.get_field("name")],
    )


def held_tags(cluster_id: int) -> list[tuple[int, str]]:
    """(dealership id, name) of the cluster's tags, in their order."""
    return read_all([held_tags_read(cluster_id)])[0]


CAR_COLUMNS = ("ds_id", "car_id", "family_id", "manufacturer_id", "year", "badge", "colour")


def _replace_cars(cluster_id: int, cars: list[dict], *, fresh: bool) -> None:
    if not fresh:
        held = select_rows(CarInterest, CAR_COLUMNS, {"cluster_id": cluster_id}, order_by=("id",))
        if held == [tuple(car[name] for name in CAR_COLUMNS) for car in cars]:
            return
        CarInterest.objects.filter(cluster_id=cluster_id).delete()
    insert_rows([CarInterest(cluster_id=cluster_id, **car) for car in cars])
