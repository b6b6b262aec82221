"""The Lead Cluster Webhook payload, also the body of a successful PUT and of export.jsonl."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import CarLeadCluster, Lead, LeadCluster, LeadEvent, StaffUser

PROVIDER = "Dealer Studio"


def clusters_for_payload() -> QuerySet[LeadCluster]:
    return LeadCluster.objects.select_related(
        "user", "secondary_user", "approver", "location", "lead_status_option"
    ).prefetch_related(
        Prefetch("leads", queryset=Lead.objects.order_by("created_at", "id")),
        Prefetch("lead_events", queryset=LeadEvent.objects.order_by("created_at", "id")),
        Prefetch("cars", queryset=CarLeadCluster.objects.order_by("id")),
    )


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="milliseconds")


def _person(user: StaffUser | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "email": user.email}


def cluster_payload(cluster: LeadCluster) -> dict:
    leads = list(cluster.leads.all())
    location, option = cluster.location, cluster.lead_status_option
    return {
        "Id": cluster.id,
        "dealership_id": cluster.dealership_id,
        "provider": PROVIDER,
        "status": cluster.lead_state,
        "contact": {
            "business_name": cluster.business_name,
            "first_name": cluster.first_name,
            "last_name": cluster.last_name,
            "email": cluster.email,
            "phone": cluster.phone,
        },
        "approver": _person(cluster.approver),
        "assigned_salesperson": _person(cluster.user),
        "created": timestamp(cluster.created),
        "modified": timestamp(cluster.modified),
        "first_lead_created_at": timestamp(leads[0].created_at) if leads else None,
        "last_lead_created_at": timestamp(leads[-1].created_at) if leads else None,
        "leads": [
            {
                "id": lead.id,
                "category": lead.category,
                "source": lead.source,
                "message": lead.message,
                "created_at": timestamp(lead.created_at),
            }
            for lead in leads
        ],
        "lead_events": [
            {
                "id": event.id,
                "event_type": event.event_type,
                "description": event.description,
                "created_at": timestamp(event.created_at),
            }
            for event in cluster.lead_events.all()
        ],
        "approved": cluster.approved,
        "tags": list(cluster.tags),
        "location": {"id": location.id, "name": location.name} if location else None,
        "secondary_salesperson": _person(cluster.secondary_user),
        "lead_status_option": {"id": option.id, "name": option.name} if option else None,
        "car_ids": list(cluster.car_ids),
        "cars": [
            {
                "id": car.id,
                "car_id": car.car_id,
                "family_id": car.family_id,
                "manufacturer_id": car.manufacturer_id,
                "year": car.year,
                "badge": car.badge,
                "colour": car.colour,
            }
            for car in cluster.cars.all()
        ],
    }
