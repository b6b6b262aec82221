"""Update Lead Cluster: validate the whole `lead_cluster` body first, then apply it atomically.

Semantics follow the documentation where it speaks (partial update, a blank user_id keeps the
assignee) and Rails conventions where it is silent (nested attributes, strong params ignoring
unknown keys, blank strings meaning null).
"""

import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .models import (
    LEAD_STATES,
    CarLeadCluster,
    LeadCluster,
    LeadStatusOption,
    Location,
    StaffUser,
)

NESTED = "car_lead_clusters_attributes"
CAR_REQUIRED = ("car_id", "family_id", "manufacturer_id")
TRUTHY = (True, 1, "1", "true", "True")

MSG_BLANK = "can't be blank"
MSG_INTEGER = "must be an integer"
MSG_BOOLEAN = "must be true or false"
MSG_STRING = "must be a string"
MSG_STATE = "is not included in the list"


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class _Plan:
    fields: dict = field(default_factory=dict)
    car_updates: list[tuple[CarLeadCluster, dict]] = field(default_factory=list)
    car_adds: list[dict] = field(default_factory=list)
    car_destroys: list[CarLeadCluster] = field(default_factory=list)


def parse_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise Invalid({"base": ["Request body must be valid JSON"]}) from None
    if not isinstance(body, dict):
        raise Invalid({"base": ["Request body must be a JSON object"]})
    attrs = body.get("lead_cluster")
    if not isinstance(attrs, dict):
        raise Invalid({"base": ["param is missing or the value is empty: lead_cluster"]})
    return attrs


def update_cluster(cluster: LeadCluster, attrs: dict) -> bool:
    """Applies `attrs`; True when the cluster's car rows changed (its prefetched cars are stale)."""
    errors: dict[str, list[str]] = {}
    plan = _plan(cluster, attrs, errors)
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        for name, value in plan.fields.items():
            setattr(cluster, name, value)
        for car in plan.car_destroys:
            car.delete()
        for car, values in plan.car_updates:
            for name, value in values.items():
                setattr(car, name, value)
            car.save()
        CarLeadCluster.objects.bulk_create(
            CarLeadCluster(cluster=cluster, **values) for values in plan.car_adds
        )
        cluster.modified = timezone.now()
        cluster.save(update_fields=[*plan.fields, "modified"])
    return bool(plan.car_destroys or plan.car_updates or plan.car_adds)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plan(cluster: LeadCluster, attrs: dict, errors: dict) -> _Plan:
    plan = _Plan()

    def reference(key: str, related, message: str, *, blank_keeps: bool = False):
        if key not in attrs:
            return
        value = attrs[key]
        if _is_blank(value):
            if not blank_keeps:
                plan.fields[key] = None
        elif not _is_int(value):
            errors[key] = [MSG_INTEGER]
        elif not related.filter(dealership_id=cluster.dealership_id, id=value).exists():
            errors[key] = [message]
        else:
            plan.fields[key] = value

    # "When user_id param is blank, assigned user should not be updated."
    reference("user_id", StaffUser.objects, "is not a user of this dealership", blank_keeps=True)
    reference("secondary_user_id", StaffUser.objects, "is not a user of this dealership")
    reference("location_id", Location.objects, "is not a location of this dealership")
    reference(
        "lead_status_option_id",
        LeadStatusOption.objects,
        "is not a lead status option of this dealership",
    )

    if "lead_state" in attrs:
        state = attrs["lead_state"]
        if _is_blank(state):
            errors["lead_state"] = [MSG_BLANK]
        elif state not in LEAD_STATES:
            errors["lead_state"] = [MSG_STATE]
        else:
            plan.fields["lead_state"] = state
    if "approved" in attrs:
        if isinstance(attrs["approved"], bool):
            plan.fields["approved"] = attrs["approved"]
        else:
            errors["approved"] = [MSG_BOOLEAN]
    if "tags" in attrs:
        tags = attrs["tags"]
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            plan.fields["tags"] = tags
        else:
            errors["tags"] = ["must be an array of strings"]
    if "car_ids" in attrs:
        car_ids = attrs["car_ids"]
        if isinstance(car_ids, list) and all(_is_int(car_id) for car_id in car_ids):
            plan.fields["car_ids"] = car_ids
        else:
            errors["car_ids"] = ["must be an array of integers"]
    if NESTED in attrs:
        rows = attrs[NESTED]
        if isinstance(rows, list):
            existing = {car.id: car for car in cluster.cars.all()}
            for index, row in enumerate(rows):
                _plan_car_row(plan, existing, f"{NESTED}[{index}]", row, errors)
        else:
            errors[NESTED] = ["must be an array of objects"]
    return plan


def _plan_car_row(plan: _Plan, existing: dict, prefix: str, row, errors: dict) -> None:
    if not isinstance(row, dict):
        errors[prefix] = ["must be an object"]
        return
    car = None
    if not _is_blank(row.get("id")):
        if not _is_int(row["id"]):
            errors[f"{prefix}.id"] = [MSG_INTEGER]
            return
        car = existing.get(row["id"])
        if car is None:
            errors[f"{prefix}.id"] = ["is not a car of this lead cluster"]
            return
    if row.get("_destroy") in TRUTHY:
        # Rails skips a new row marked for destruction rather than complaining about it.
        if car is not None:
            plan.car_destroys.append(car)
        return

    values = {}
    for name in CAR_REQUIRED:
        value = row.get(name)
        if _is_blank(value):
            errors[f"{prefix}.{name}"] = [MSG_BLANK]
        elif not _is_int(value):
            errors[f"{prefix}.{name}"] = [MSG_INTEGER]
        else:
            values[name] = value
    if "year" in row:
        year, latest = row["year"], timezone.localdate().year + 2
        if year is None:
            values["year"] = None
        elif not _is_int(year):
            errors[f"{prefix}.year"] = [MSG_INTEGER]
        elif not 1900 <= year <= latest:
            errors[f"{prefix}.year"] = [f"must be between 1900 and {latest}"]
        else:
            values["year"] = year
    for name in ("badge", "colour"):
        if name in row:
            if row[name] is None or isinstance(row[name], str):
                values[name] = row[name]
            else:
                errors[f"{prefix}.{name}"] = [MSG_STRING]

    if car is None:
        plan.car_adds.append(values)
    else:
        plan.car_updates.append((car, values))
