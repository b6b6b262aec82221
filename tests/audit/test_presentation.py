"""Audit values in people's terms."""

from dealeradmin.audit.presentation import change_rows, describe_value


def test_changes_come_in_the_edit_forms_order_whatever_order_the_database_kept():
    rows = change_rows({"tags": [[], ["VIP"]], "zeta": [1, 2], "user_id": ["Ann", "Bob"]})
    assert [label for label, _, _ in rows] == ["Assigned salesperson", "Tags", "Zeta"]


def test_values_read_as_words():
    assert describe_value(None) == "—"
    assert describe_value(True) == "Yes"
    assert describe_value(["VIP", "Finance"]) == "VIP, Finance"
    car = {"id": 7, "car_id": 12, "year": 2024, "colour": "White", "_destroy": True}
    assert describe_value([car]) == "car 12 (2024, White) removed"
