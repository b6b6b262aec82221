"""Audit values in people's terms, shared by the page and the CSV export."""

FIELD_LABELS = {
    "user_id": "Assigned salesperson",
    "secondary_user_id": "Secondary salesperson",
    "lead_state": "Lead state",
    "approved": "Approved",
    "location_id": "Location",
    "lead_status_option_id": "Lead status option",
    "tags": "Tags",
    "car_ids": "Car ids",
    "car_lead_clusters_attributes": "Cars of interest",
}
EMPTY = "—"


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def _car(row: dict) -> str:
    parts = [f"car {row.get('car_id', '?')}"]
    details = [str(row[k]) for k in ("year", "badge", "colour") if row.get(k)]
    if details:
        parts.append(f"({', '.join(details)})")
    if row.get("_destroy"):
        parts.append("removed")
    return " ".join(parts)


def describe_value(value) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(_car(v) if isinstance(v, dict) else describe_value(v) for v in value)
    if isinstance(value, dict):
        return _car(value)
    return str(value)


def _field_order(name: str) -> tuple[int, str]:
    order = list(FIELD_LABELS)
    return (order.index(name) if name in order else len(order), name)


def change_rows(changes: dict) -> list[tuple[str, str, str]]:
    """[(label, old, new)] for an entry's {"field": [old, new]}, in the edit form's order
    (PostgreSQL's jsonb does not keep the order the keys were written in)."""
    rows = []
    for name in sorted(changes or {}, key=_field_order):
        pair = changes[name]
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append((field_label(name), describe_value(old), describe_value(new)))
    return rows
