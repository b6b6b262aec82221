"""The Update Lead Cluster body: exactly what changed, never a blank user_id, car rows nested."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dealeradmin.dealerstudio.payloads import (
    CAR_OPTIONAL,
    CAR_REQUIRED,
    LIST_FIELDS,
    SCALAR_FIELDS,
    build_update_body,
    car_rows_changes,
)

ids = st.integers(min_value=1, max_value=2**63 - 1)
maybe_ids = st.none() | ids
text = st.text(max_size=12)
cars = st.fixed_dictionaries(
    {
        "car_id": ids,
        "family_id": ids,
        "manufacturer_id": ids,
        "year": st.none() | st.integers(1900, 2027),
        "badge": text,
        "colour": text,
    }
)
cluster_values = st.fixed_dictionaries(
    {
        "user_id": maybe_ids,
        "secondary_user_id": maybe_ids,
        "lead_state": st.sampled_from(["new", "contacted", "lost", "invalid", "converted"]),
        "approved": st.booleans(),
        "location_id": maybe_ids,
        "lead_status_option_id": maybe_ids,
        "tags": st.lists(text, max_size=4, unique=True),
        "car_ids": st.lists(ids, max_size=4, unique=True),
    }
)


@st.composite
def an_edit(draw):
    """A cluster as it was opened, and what the person submitted: some fields changed, some
    car rows kept, changed or removed, some added."""
    base = draw(cluster_values)
    base["cars"] = [
        {"id": 1000 + i, **car} for i, car in enumerate(draw(st.lists(cars, max_size=3)))
    ]
    other = draw(cluster_values)
    submitted = {
        name: (other[name] if draw(st.booleans()) else base[name])
        for name in (*SCALAR_FIELDS, *LIST_FIELDS)
    }
    if draw(st.booleans()):
        submitted["user_id"] = draw(st.sampled_from([None, ""]))
    rows = []
    for car in base["cars"]:
        action = draw(st.sampled_from(["keep", "change", "remove"]))
        row = {**car, "_destroy": action == "remove"}
        if action == "change":
            row.update({k: v for k, v in draw(cars).items() if draw(st.booleans())})
        rows.append(row)
    for car in draw(st.lists(cars, max_size=2)):
        rows.append({"id": None, **car, "_destroy": draw(st.booleans())})
    submitted["cars"] = draw(st.permutations(rows))
    return base, submitted


@settings(max_examples=150, deadline=None)
@given(an_edit())
def test_the_body_holds_exactly_the_changed_fields_and_never_a_blank_user_id(edit):
    base, submitted = edit
    body = build_update_body(base, submitted)

    for name in SCALAR_FIELDS:
        blank_user = name == "user_id" and submitted[name] in (None, "")
        changed = submitted[name] != base[name] and not blank_user
        assert (name in body) == changed, name
        if changed:
            assert body[name] == submitted[name]
    for name in LIST_FIELDS:
        assert (name in body) == (submitted[name] != base[name]), name
    assert "user_id" not in body or body["user_id"] not in (None, "")
    assert set(body) <= {*SCALAR_FIELDS, *LIST_FIELDS, "car_lead_clusters_attributes"}
    if "car_lead_clusters_attributes" in body:
        assert body["car_lead_clusters_attributes"]  # never an empty list


@settings(max_examples=150, deadline=None)
@given(an_edit())
def test_car_rows_are_in_nested_attributes_form(edit):
    base, submitted = edit
    rows = build_update_body(base, submitted).get("car_lead_clusters_attributes", [])
    before = {car["id"]: car for car in base["cars"]}
    expected_removed = {r["id"] for r in submitted["cars"] if r["id"] and r["_destroy"]}
    expected_added = [r for r in submitted["cars"] if r["id"] is None and not r["_destroy"]]

    removed = [row for row in rows if row.get("_destroy")]
    added = [row for row in rows if "id" not in row]
    updated = [row for row in rows if "id" in row and not row.get("_destroy")]
    assert {row["id"] for row in removed} == expected_removed
    assert len(added) == len(expected_added)
    for row in rows:
        assert set(CAR_REQUIRED) <= set(row), row  # DealerStudio marks these required
        assert set(row) <= {"id", *CAR_REQUIRED, *CAR_OPTIONAL, "_destroy"}
        assert "id" not in row or row["id"] in before  # never an id from elsewhere
    for row in removed:
        assert row["_destroy"] is True
        assert {k: row[k] for k in CAR_REQUIRED} == {k: before[row["id"]][k] for k in CAR_REQUIRED}
    for row in updated:
        # an update row carries something that actually differs
        old = before[row["id"]]
        assert any(row[k] != old[k] for k in CAR_REQUIRED) or any(k in row for k in CAR_OPTIONAL)
    for row, source in zip(added, expected_added, strict=True):
        assert {k: row[k] for k in CAR_REQUIRED} == {k: source[k] for k in CAR_REQUIRED}
        assert all(row[k] == source[k] for k in CAR_OPTIONAL if k in row)
        assert all(source[k] in (None, "") for k in CAR_OPTIONAL if k not in row)


BASE = {
    "user_id": 1001,
    "secondary_user_id": None,
    "lead_state": "new",
    "approved": False,
    "location_id": 1101,
    "lead_status_option_id": None,
    "tags": ["VIP"],
    "car_ids": [7],
    "cars": [
        {
            "id": 55,
            "car_id": 7,
            "family_id": 3,
            "manufacturer_id": 2,
            "year": 2020,
            "badge": "GT",
            "colour": "",
        },
    ],
}


def _unchanged() -> dict:
    return {**BASE, "cars": [{**BASE["cars"][0], "_destroy": False}]}


def test_an_unchanged_form_builds_an_empty_body():
    assert build_update_body(BASE, _unchanged()) == {}


def test_a_changed_state_is_the_only_field_sent():
    assert build_update_body(BASE, {**_unchanged(), "lead_state": "contacted"}) == {
        "lead_state": "contacted"
    }


def test_a_blank_assignee_is_never_sent():
    assert build_update_body(BASE, {**_unchanged(), "user_id": None}) == {}
    assert build_update_body(BASE, {**_unchanged(), "user_id": ""}) == {}


def test_clearing_the_secondary_salesperson_sends_null():
    base = {**BASE, "secondary_user_id": 1002}
    assert build_update_body(base, {**_unchanged(), "secondary_user_id": None}) == {
        "secondary_user_id": None
    }


def test_tags_are_sent_whole_when_they_change():
    body = build_update_body(BASE, {**_unchanged(), "tags": ["VIP", "Finance"]})
    assert body == {"tags": ["VIP", "Finance"]}


def test_removing_adding_and_changing_car_rows():
    submitted = _unchanged()
    submitted["cars"] = [
        {**BASE["cars"][0], "colour": "Red", "_destroy": False},
        {
            "id": None,
            "car_id": 9,
            "family_id": 4,
            "manufacturer_id": 2,
            "year": None,
            "badge": "",
            "colour": "Blue",
            "_destroy": False,
        },
        {
            "id": None,
            "car_id": 10,
            "family_id": 4,
            "manufacturer_id": 2,
            "year": None,
            "badge": "",
            "colour": "",
            "_destroy": True,
        },
    ]
    assert build_update_body(BASE, submitted) == {
        "car_lead_clusters_attributes": [
            {"id": 55, "car_id": 7, "family_id": 3, "manufacturer_id": 2, "colour": "Red"},
            {"car_id": 9, "family_id": 4, "manufacturer_id": 2, "colour": "Blue"},
        ]
    }
    submitted["cars"] = [{**BASE["cars"][0], "_destroy": True}]
    assert build_update_body(BASE, submitted) == {
        "car_lead_clusters_attributes": [
            {"id": 55, "car_id": 7, "family_id": 3, "manufacturer_id": 2, "_destroy": True}
        ]
    }


def test_a_row_id_from_another_cluster_is_never_sent():
    rows = [
        {
            "id": 999,
            "car_id": 1,
            "family_id": 1,
            "manufacturer_id": 1,
            "year": None,
            "badge": "",
            "colour": "",
            "_destroy": True,
        }
    ]
    assert car_rows_changes(BASE["cars"], rows) == []


def test_origins_map_each_sent_row_to_its_form_row():
    rows = [
        {**BASE["cars"][0], "_destroy": False},  # unchanged: not sent
        {
            "id": None,
            "car_id": 9,
            "family_id": 4,
            "manufacturer_id": 2,
            "year": 1999,
            "badge": "",
            "colour": "",
            "_destroy": False,
        },
    ]
    origins: list[int] = []
    assert len(car_rows_changes(BASE["cars"], rows, origins)) == 1
    assert origins == [1]
