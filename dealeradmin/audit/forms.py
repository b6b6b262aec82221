"""The audit log's filters, all from the URL."""

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from .models import PENDING_TOO_LONG, AuditEntry

MAX_ID = 2**63 - 1


class AuditFilterForm(forms.Form):
    person = forms.ChoiceField(label="Person", required=False)
    cluster = forms.IntegerField(label="Cluster id", required=False, min_value=1, max_value=MAX_ID)
    dealership = forms.ChoiceField(label="Dealership", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any outcome"), *AuditEntry.Outcome.choices],
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, *, dealerships, people: list[tuple[int, str]], zone):
        super().__init__(data)
        self.dealerships = dealerships
        self.zone = zone
        self.fields["dealership"].choices = [("", "All dealerships")] + [
            (d.slug, d.name) for d in dealerships
        ]
        self.fields["person"].choices = [("", "Anyone")] + [(str(pk), name) for pk, name in people]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, entries):
        """Applies the valid filters; an invalid one is ignored (its error is shown)."""
        self.is_valid()
        data = self.cleaned_data
        if person := data.get("person"):
            entries = entries.filter(actor_id=int(person))
        if cluster := data.get("cluster"):
            entries = entries.filter(cluster_id=cluster)
        if slug := data.get("dealership"):
            entries = entries.filter(
                dealership_id__in=[d.id for d in self.dealerships if d.slug == slug]
            )
        if action := data.get("action"):
            entries = entries.filter(action=action)
        if outcome := data.get("outcome"):
            # A pending entry older than PENDING_TOO_LONG is shown as "Outcome unknown".
            stale = Q(outcome=AuditEntry.Outcome.PENDING) & Q(
                created_at__lte=timezone.now() - PENDING_TOO_LONG
            )
            if outcome == AuditEntry.Outcome.UNKNOWN:
                entries = entries.filter(Q(outcome=outcome) | stale)
            else:
                entries = entries.filter(outcome=outcome).exclude(stale)
        # Dates are days on the dealership's calendar, both ends included.
        if start := data.get("date_from"):
            entries = entries.filter(created_at__gte=datetime.combine(start, time(), self.zone))
        if end := data.get("date_to"):
            entries = entries.filter(
                created_at__lt=datetime.combine(end + timedelta(days=1), time(), self.zone)
            )
        return entries
