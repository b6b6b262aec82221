"""The local mirror of DealerStudio lead clusters.

DealerStudio documents no way to read clusters, so every list, filter and board is drawn from
this mirror. It is filled by the Lead Cluster Webhook (and the import command) and, after a
successful save of ours, by what we sent, until the next webhook brings DealerStudio's own view.
"""

import re
import unicodedata
from datetime import UTC, datetime

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

LEAD_STATES = ["new", "contacted", "lost", "invalid", "converted"]


class LeadState(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    LOST = "lost", "Lost"
    INVALID = "invalid", "Invalid"
    CONVERTED = "converted", "Converted"


def tag_key(name: str) -> str:
    """The form two spellings of one tag share: case, spacing and punctuation ignored."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


class LeadCluster(models.Model):
    id = models.BigIntegerField(primary_key=True, help_text="DealerStudio's lead cluster id")
    dealership_id = models.BigIntegerField()
    provider = models.CharField(max_length=100, blank=True)
    lead_state = models.CharField(max_length=20, choices=LeadState.choices, blank=True)
    approved = models.BooleanField(default=False)

    business_name = models.TextField(blank=True)
    contact_first_name = models.TextField(blank=True)
    contact_last_name = models.TextField(blank=True)
    contact_email = models.TextField(blank=True)
    contact_phone = models.TextField(blank=True)
    contact_name = models.TextField(blank=True, help_text="Display name, for sorting")
    search_text = models.TextField(blank=True, help_text="Lower-cased name, email and phone")

    assignee_id = models.BigIntegerField(null=True, blank=True)
    assignee_name = models.TextField(blank=True)
    secondary_user_id = models.BigIntegerField(null=True, blank=True)
    secondary_user_name = models.TextField(blank=True)
    approver_id = models.BigIntegerField(null=True, blank=True)
    approver_name = models.TextField(blank=True)
    location_id = models.BigIntegerField(null=True, blank=True)
    location_name = models.TextField(blank=True)
    lead_status_option_id = models.BigIntegerField(null=True, blank=True)

    car_ids = models.JSONField(default=list, blank=True)
    lead_count = models.PositiveIntegerField(default=0)

    created = models.DateTimeField(null=True, blank=True)
    modified = models.DateTimeField(null=True, blank=True, help_text="DealerStudio's updated_at")
    first_lead_created_at = models.DateTimeField(null=True, blank=True)
    last_lead_created_at = models.DateTimeField(null=True, blank=True)

    # Bumped on every change to the mirror; an edit form remembers the version it opened.
    version = models.PositiveIntegerField(default=1)
    written_by_us_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the mirror holds what we sent, not yet echoed"
    )
    synced_at = models.DateTimeField(auto_now=True)
    saving_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while a save from the edit page is with DealerStudio"
    )
    # Digests of the tags and of the cars the last applied delivery carried, kept only while
    # the mirror's rows still hold exactly those (our own saves blank them): most deliveries
    # repeat them, and a matching digest spares reading the rows to compare.
    delivered_tags_digest = models.CharField(max_length=32, blank=True, default="")
    delivered_cars_digest = models.CharField(max_length=32, blank=True, default="")

    tags = models.ManyToManyField("Tag", through="ClusterTag", related_name="clusters")

    class Meta:
        ordering = ["-last_lead_created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership_id", "-last_lead_created_at", "-id"]),
            models.Index(fields=["contact_name"]),
            # The list's sort orders across all of a person's dealerships, and its commonest
            # filter (a state) in its default order; migration 0003 adds a trigram index.
            models.Index(fields=["-last_lead_created_at", "-id"], name="cluster_activity_idx"),
            models.Index(fields=["-created", "-id"], name="cluster_created_idx"),
            # The list's filters and the board's columns (each column's first cards in the
            # default order); each also serves filtering on its first two fields alone.
            models.Index(
                fields=["dealership_id", "lead_state", "-last_lead_created_at", "-id"],
                name="cluster_state_activity_idx",
            ),
            models.Index(
                fields=["dealership_id", "assignee_id", "-last_lead_created_at", "-id"],
                name="cluster_assignee_activity_idx",
            ),
            models.Index(
                fields=["dealership_id", "location_id", "-last_lead_created_at", "-id"],
                name="cluster_location_activity_idx",
            ),
            models.Index(
                fields=["dealership_id", "lead_status_option_id", "-last_lead_created_at", "-id"],
                name="cluster_option_activity_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.contact_name}".strip()

    def enquiries(self) -> list[dict]:
        """The cluster's leads, newest first, with their times parsed."""
        try:
            leads = self.story.leads
        except ClusterStory.DoesNotExist:
            leads = []
        items = []
        for lead in leads if isinstance(leads, list) else []:
            if isinstance(lead, dict):
                items.append({**lead, "created_at": _lead_time(lead.get("created_at"))})
        return sorted(
            items,
            key=lambda lead: lead["created_at"] or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )

    def tag_names(self) -> list[str]:
        """Tags in their upstream order (uses prefetched links when present)."""
        links = sorted(self.tag_links.all(), key=lambda link: link.position)
        return [link.tag.name for link in links]

    def tag_names_in_order(self) -> list[str]:
        """`tag_names` in one query, without prefetching."""
        return list(self.tag_links.order_by("position", "id").values_list("tag__name", flat=True))


def _lead_time(value) -> datetime | None:
    """A lead's created_at as an aware time, or None when it is not one (leads are shown as
    delivered, and a malformed or impossible time must not break the page)."""
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            return None
        parsed = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        # Kept a year from either end of the calendar, so any zone can still show it.
        return parsed if 1 < parsed.astimezone(UTC).year < 9999 else None
    except (ValueError, OverflowError):
        return None


class ClusterStory(models.Model):
    """A cluster's leads and lead events as last delivered, shown on its edit page.

    Kept out of LeadCluster: they are most of a cluster's bytes, and the scans behind the list,
    its counts and the board's columns read every row of a dealership that matches a search.
    """

    cluster = models.OneToOneField(
        LeadCluster, primary_key=True, on_delete=models.CASCADE, related_name="story"
    )
    leads = models.JSONField(default=list, blank=True)
    lead_events = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"story of {self.cluster_id}"


class Tag(models.Model):
    """One spelling of a tag in one dealership, exactly as DealerStudio stores it."""

    dealership_id = models.BigIntegerField()
    name = models.TextField()
    key = models.TextField(
        help_text="tag_key(name): spellings that differ only in case and punctuation share it"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["dealership_id", "name"], name="tag_name_once")
        ]
        indexes = [models.Index(fields=["dealership_id", "key"])]

    def __str__(self) -> str:
        return self.name


class ClusterTag(models.Model):
    cluster = models.ForeignKey(LeadCluster, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="cluster_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "tag"], name="cluster_tag_once")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.cluster_id}"


class CarInterest(models.Model):
    """A `car_lead_cluster`: a car a customer is interested in."""

    ds_id = models.BigIntegerField(
        null=True, blank=True, help_text="DealerStudio's car_lead_cluster id; empty until echoed"
    )
    cluster = models.ForeignKey(LeadCluster, on_delete=models.CASCADE, related_name="cars")
    car_id = models.BigIntegerField()
    family_id = models.BigIntegerField()
    manufacturer_id = models.BigIntegerField()
    year = models.IntegerField(null=True, blank=True)
    badge = models.TextField(blank=True)
    colour = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "ds_id"], name="car_interest_once")
        ]

    def __str__(self) -> str:
        return f"car {self.car_id} ({self.year or 'any year'})"

    @property
    def awaiting_echo(self) -> bool:
        return self.ds_id is None


class StatusOptionLabel(models.Model):
    """The name of a dealership's lead status option. No endpoint lists them, so ids are
    collected from webhooks and named by admins."""

    dealership_id = models.BigIntegerField()
    option_id = models.BigIntegerField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name", "option_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership_id", "option_id"], name="status_option_once"
            )
        ]

    def __str__(self) -> str:
        return self.label(self.option_id, self.name)

    @staticmethod
    def label(option_id: int, name: str) -> str:
        return name or f"Option {option_id}"
