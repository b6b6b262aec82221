"""Every change made through the dashboard: written before the call goes upstream, completed
with its outcome after. An entry still pending long after its call is shown as 'outcome unknown'."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .presentation import change_rows

PENDING_TOO_LONG = timedelta(minutes=2)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        EDIT = "edit", "Edit"
        BOARD_MOVE = "board_move", "Board move"
        BULK_ASSIGN = "bulk_assign", "Bulk assign"
        TAG_JOB = "tag_job", "Tag job"
        TAG_CHANGE = "tag_change", "Tag change on a cluster"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Saved"
        FAILED = "failed", "Failed"
        # The call may have been applied: it timed out, the connection broke, or the answer
        # was a 2xx we could not read.
        UNKNOWN = "unknown", "Outcome unknown"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    dealership_id = models.BigIntegerField(null=True, blank=True)
    cluster_id = models.BigIntegerField(null=True, blank=True)
    # {"field": [old, new], ...} in people's terms (names, not only ids).
    changes = models.JSONField(default=dict)
    request_body = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_detail = models.TextField(blank=True)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["cluster_id", "-created_at"]),
            models.Index(fields=["dealership_id", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action_label} by {self.actor_name} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def outcome_unknown(self) -> bool:
        return (
            self.outcome == self.Outcome.PENDING
            and timezone.now() - self.created_at > PENDING_TOO_LONG
        )

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        return change_rows(self.changes)

    @property
    def action_label(self) -> str:
        # get_action_display() rebuilds the lookup of every choice on each call, and the
        # edit page shows twenty entries.
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def outcome_label(self) -> str:
        if self.outcome_unknown:
            return "Outcome unknown"
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


ACTION_LABELS = dict(AuditEntry.Action.choices)
OUTCOME_LABELS = dict(AuditEntry.Outcome.choices)
