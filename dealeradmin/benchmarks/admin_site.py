"""Django admin's changelist over the lead cluster mirror, as the list page's baseline.

Registered on its own AdminSite, mounted only by the benchmark's URLconf: the real admin never
shows it. It has the list page's columns, filters, search and page size, and prefetches tags the
same way, so the comparison is between the two pages' machinery, not between query plans.
"""

from django.contrib import admin
from django.db.models import Prefetch

from dealeradmin.clusters.models import ClusterTag, LeadCluster

bench_site = admin.AdminSite(name="bench_admin")


class LeadClusterBenchAdmin(admin.ModelAdmin):
    list_display = (
        "contact_name",
        "contact_email",
        "contact_phone",
        "dealership_id",
        "lead_state",
        "approved",
        "assignee_name",
        "location_name",
        "tag_list",
        "last_lead_created_at",
    )
    list_filter = ("dealership_id", "lead_state", "assignee_id", "location_id", "tags", "approved")
    # The list page searches the case-folded search_text with `contains`; the same lookup here.
    search_fields = ("search_text__contains",)
    list_per_page = 50
    ordering = ("-last_lead_created_at", "-id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "tag_links",
                    queryset=ClusterTag.objects.select_related("tag").order_by("position"),
                )
            )
        )

    @admin.display(description="Tags")
    def tag_list(self, cluster: LeadCluster) -> str:
        return ", ".join(link.tag.name for link in cluster.tag_links.all())


bench_site.register(LeadCluster, LeadClusterBenchAdmin)
