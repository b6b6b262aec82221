from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dealeradmin.audit.models import AuditEntry
from dealeradmin.audit.services import audit_finish, audit_start
from dealeradmin.dealerstudio import errors

BRISBANE_TZ = ZoneInfo("Australia/Brisbane")


def entry(actor, *, at: datetime, dealership_id=101, cluster_id=5001, action="edit", **kwargs):
    made = audit_start(
        actor=actor,
        action=action,
        dealership_id=dealership_id,
        cluster_id=cluster_id,
        changes=kwargs.pop("changes", {"lead_state": ["new", "contacted"]}),
    )
    AuditEntry.objects.filter(pk=made.pk).update(created_at=at)
    made.refresh_from_db()
    if kwargs.get("failed"):
        audit_finish(made, error=errors.Unavailable("DealerStudio is not answering.", status=503))
    else:
        audit_finish(made)
    return made


@pytest.fixture
def audit_entries(manager, admin_user):
    """Five entries: three by the manager in Brisbane, one by the admin on the Gold Coast,
    one by the admin in Brisbane that failed."""
    day = datetime(2026, 3, 10, 9, 0, tzinfo=BRISBANE_TZ)
    return {
        "first": entry(manager, at=day, cluster_id=5001),
        "second": entry(
            manager,
            at=day + timedelta(days=1),
            cluster_id=5002,
            changes={"tags": [["VIP"], ["VIP", "=HYPERLINK(1)"]], "approved": [False, True]},
        ),
        "third": entry(manager, at=day + timedelta(days=2), cluster_id=5001, action="board_move"),
        "gold_coast": entry(
            admin_user, at=day + timedelta(days=1), dealership_id=202, cluster_id=6001
        ),
        "failed": entry(admin_user, at=day + timedelta(days=3), cluster_id=5003, failed=True),
    }
