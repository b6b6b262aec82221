"""Audit values in people's terms."""

from django.utils import timezone

from dealeradmin.accounts.models import Dealership
from dealeradmin.audit.models import PENDING_TOO_LONG, AuditEntry
from dealeradmin.audit.presentation import change_rows, describe_value
from dealeradmin.clusters.services import describe_changes


def test_changes_come_in_the_edit_forms_order_whatever_order_the_database_kept():
    rows = change_rows({"tags": [[], ["VIP"]], "zeta": [1, 2], "user_id": ["Ann", "Bob"]})
    assert [label for label, _, _ in rows] == ["Assigned salesperson", "Tags", "Zeta"]


def test_values_read_as_words():
    assert describe_value(None) == "—"
    assert describe_value(True) == "Yes"
    assert describe_value(["VIP", "Finance"]) == "VIP, Finance"
    car = {"id": 7, "car_id": 12, "year": 2024, "colour": "White", "_destroy": True}
    assert describe_value([car]) == "car 12 (2024, White) removed"


def test_each_action_and_outcome_reads_as_its_choice_label():
    for action, label in AuditEntry.Action.choices:
        assert AuditEntry(action=action).action_label == label
    just_now = timezone.now()
    for outcome, label in AuditEntry.Outcome.choices:
        assert AuditEntry(outcome=outcome, created_at=just_now).outcome_label == label
    long_ago = just_now - PENDING_TOO_LONG * 2
    assert AuditEntry(outcome="pending", created_at=long_ago).outcome_label == "Outcome unknown"
    assert AuditEntry(outcome="failed", created_at=long_ago).outcome_label == "Failed"


def test_a_car_change_reads_as_the_rows_it_touched_each_whole():
    base = {
        "cars": [
            {"id": 1, "car_id": 33634, "year": 2014, "badge": "Dark Horse", "colour": "Red"},
            {"id": 2, "car_id": 33161, "year": 2020, "badge": "", "colour": "Blue"},
        ]
    }
    body = {
        "car_lead_clusters_attributes": [
            {"id": 1, "year": 2015, "colour": "Green"},
            {"id": 2, "_destroy": True},
            {"car_id": 40001, "year": 2023, "colour": "White"},
        ]
    }
    changes = describe_changes(Dealership(id=101), base, body)
    [(label, old, new)] = change_rows(changes)
    assert label == "Cars of interest"
    assert old == "car 33634 (2014, Dark Horse, Red), car 33161 (2020, Blue)"
    assert new == (
        "car 33634 (2015, Dark Horse, Green), car 33161 (2020, Blue) removed, "
        "car 40001 (2023, White)"
    )
