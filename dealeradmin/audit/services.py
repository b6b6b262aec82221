"""Writing the audit log: an entry before a change goes upstream, its outcome after."""

from django.utils import timezone

from dealeradmin.core.rows import Write, create_row, update_write, write_all
from dealeradmin.dealerstudio.errors import DealerStudioError

from .models import AuditEntry


def audit_entry(
    *,
    actor,
    action: str,
    dealership_id: int | None,
    cluster_id: int | None,
    changes: dict,
    request_body: dict | None = None,
    job_id: int | None = None,
) -> AuditEntry:
    """The entry of a change about to go upstream, not yet written (see `audit_start`)."""
    return AuditEntry(
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        dealership_id=dealership_id,
        cluster_id=cluster_id,
        changes=changes,
        request_body=request_body,
        job_id=job_id,
    )


def audit_start(**entry) -> AuditEntry:
    """Writes `audit_entry(**entry)` now and returns it."""
    # Every save and every change of a tag job writes one: the statements are written
    # directly, as building them through the ORM took longer than the database took.
    return create_row(audit_entry(**entry))


def audit_outcome(
    entry: AuditEntry, *, error: DealerStudioError | None = None, status: int = 200
) -> Write:
    """Sets the entry's outcome (success with DealerStudio's `status`, or `error`) and gives
    the UPDATE that records it, for the caller to run with its own writes."""
    if error is None:
        entry.outcome = AuditEntry.Outcome.SUCCEEDED
    elif error.outcome_unknown:
        entry.outcome = AuditEntry.Outcome.UNKNOWN
    else:
        entry.outcome = AuditEntry.Outcome.FAILED
    entry.outcome_detail = error.detail if error else ""
    entry.upstream_status = error.status if error else status
    entry.finished_at = timezone.now()
    return update_write(
        AuditEntry, entry.pk, {name: getattr(entry, name) for name in OUTCOME_FIELDS}
    )


def audit_finish(entry: AuditEntry, *, error: DealerStudioError | None = None) -> None:
    """Records the entry's outcome now."""
    write_all([audit_outcome(entry, error=error)])


OUTCOME_FIELDS = ("outcome", "outcome_detail", "upstream_status", "finished_at")
