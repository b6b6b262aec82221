"""The Update Lead Cluster body, built from what the person saw and what they submitted.

Pure functions, no I/O: the body holds only the fields that changed, never a blank `user_id`
(DealerStudio leaves the assignee as it is then, so sending one would only mislead), and car
rows in the nested-attributes form: a row with `id` updates, without `id` adds, with
`_destroy` removes.
"""

SCALAR_FIELDS = (
    "user_id",
    "secondary_user_id",
    "lead_state",
    "approved",
    "location_id",
    "lead_status_option_id",
)
LIST_FIELDS = ("tags", "car_ids")
CAR_REQUIRED = ("car_id", "family_id", "manufacturer_id")
CAR_OPTIONAL = ("year", "badge", "colour")


def _blank(value) -> bool:
    return value is None or value == ""


def car_rows_changes(
    base_cars: list[dict], submitted_cars: list[dict], origins: list[int] | None = None
) -> list[dict]:
    """`car_lead_clusters_attributes` for the submitted rows, in the order submitted.

    Rows are dicts with `id` (None for a new row), the car fields and `_destroy`. When given,
    `origins` receives, for each row of the answer, the index of the submitted row it came from
    (so DealerStudio's errors about row n can be shown on the right row).
    """
    by_id = {car["id"]: car for car in base_cars if car.get("id") is not None}
    changes: list[dict] = []
    for index, row in enumerate(submitted_cars):
        if origins is not None:
            del origins[len(changes) :]
            origins.append(index)
        row_id = row.get("id")
        destroy = bool(row.get("_destroy"))
        if row_id is None:
            if destroy:
                continue
            added = {name: row[name] for name in CAR_REQUIRED}
            added.update({name: row[name] for name in CAR_OPTIONAL if not _blank(row.get(name))})
            changes.append(added)
            continue
        before = by_id.get(row_id)
        if before is None:
            continue  # not a row of this cluster: never send someone else's id
        required = {name: before[name] if destroy else row[name] for name in CAR_REQUIRED}
        if destroy:
            changes.append({"id": row_id, **required, "_destroy": True})
            continue
        changed_optional = {
            name: row.get(name)
            for name in CAR_OPTIONAL
            if (row.get(name) or None) != (before.get(name) or None)
        }
        if changed_optional or any(row[name] != before[name] for name in CAR_REQUIRED):
            changes.append({"id": row_id, **required, **changed_optional})
    if origins is not None:
        del origins[len(changes) :]
    return changes


def build_update_body(base: dict, submitted: dict) -> dict:
    """The inside of `{"lead_cluster": …}`: only what differs between `base` and `submitted`.

    Both hold SCALAR_FIELDS, LIST_FIELDS and `cars`; a field missing from `submitted` is
    unchanged.
    """
    body: dict = {}
    for name in SCALAR_FIELDS:
        if name not in submitted:
            continue
        new = submitted[name]
        if name == "user_id" and _blank(new):
            continue
        if new != base.get(name):
            body[name] = new
    for name in LIST_FIELDS:
        if name in submitted and list(submitted[name]) != list(base.get(name) or []):
            body[name] = list(submitted[name])
    if "cars" in submitted:
        rows = car_rows_changes(base.get("cars") or [], submitted["cars"])
        if rows:
            body["car_lead_clusters_attributes"] = rows
    return body
