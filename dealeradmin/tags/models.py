"""Tag jobs: a planned change to the tags of many clusters, sent one cluster at a time.

A job's plan (every cluster's tag list before and after) is fixed when the job is created, so
what an admin previewed is what runs, and a resumed or reverted job knows exactly what to send.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class TagJob(models.Model):
    class Kind(models.TextChoices):
        RENAME = "rename", "Rename"
        MERGE = "merge", "Merge"
        DELETE = "delete", "Delete"
        ADD = "add", "Bulk add"
        REMOVE = "remove", "Bulk remove"
        REVERT = "revert", "Revert"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"
        DONE = "done", "Finished"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    summary = models.TextField(help_text="What the job does, in people's terms")
    params = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    reverted_job = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reverted_by",
        help_text="The job this one undoes",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Tag job #{self.id}: {self.summary}"

    @property
    def processed(self) -> int:
        return self.done_count + self.failed_count + self.skipped_count

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def stalled(self) -> bool:
        """Running, but its worker has not been heard from for longer than one item can take."""
        if self.status != self.Status.RUNNING:
            return False
        quiet = timedelta(seconds=max(120.0, settings.DEALERSTUDIO_JOB_RETRY_SECONDS * 2 + 30))
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > quiet

    @property
    def reverted(self) -> bool:
        return hasattr(self, "reverted_by")

    @property
    def resumable(self) -> bool:
        # Once reverted, its unsent changes would undo the revert: it is closed for good.
        return (self.status == self.Status.STOPPED or self.stalled) and not self.reverted

    @property
    def revertible(self) -> bool:
        return (
            self.status in (self.Status.DONE, self.Status.STOPPED)
            and self.done_count > 0
            and not self.reverted
        )


class TagJobItem(models.Model):
    """One cluster's change: its whole tag list before and after."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    job = models.ForeignKey(TagJob, on_delete=models.CASCADE, related_name="items")
    dealership_id = models.BigIntegerField()
    cluster_id = models.BigIntegerField()
    old_tags = models.JSONField(default=list)
    new_tags = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "cluster_id"], name="tag_job_item_once")
        ]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"cluster {self.cluster_id} in job {self.job_id}"


class TagAlias(models.Model):
    """A spelling merged away: typing it (or anything with its key) offers the canonical tag."""

    dealership_id = models.BigIntegerField()
    alias_key = models.TextField(help_text="tag_key() of the merged-away spelling")
    alias = models.TextField(help_text="One merged-away spelling, as it was written")
    canonical = models.TextField()
    job = models.ForeignKey(TagJob, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alias_key"]
        verbose_name_plural = "tag aliases"
        constraints = [
            models.UniqueConstraint(fields=["dealership_id", "alias_key"], name="tag_alias_once")
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.canonical}"
