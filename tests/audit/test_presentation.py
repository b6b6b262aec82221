"""Audit values in people's terms."""

from django.utils import timezone

from dealeradmin.audit.models import PENDING_TOO_LONG, AuditEntry
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


def test_each_action_and_outcome_reads_as_its_choice_label():
    for action, label in AuditEntry.Action.choices:
        assert AuditEntry(action=action).action_label == label
    just_now = timezone.now()
    for outcome, label in AuditEntry.Outcome.choices:
        assert AuditEntry(outcome=outcome, created_at=just_now).outcome_label == label
    long_ago = just_now - PENDING_TOO_LONG * 2
    assert AuditEntry(outcome="pending", created_at=long_ago).outcome_label == "Outcome unknown"
    assert AuditEntry(outcome="failed", created_at=long_ago).outcome_label == "Failed"
