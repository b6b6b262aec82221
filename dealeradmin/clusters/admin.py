"""The mirror in the Django admin, read-only: it is DealerStudio's data, changed only by its
webhook and by saves through the dashboard (which go upstream first)."""

from django.contrib import admin

from .models import CarInterest, ClusterTag, LeadCluster, StatusOptionLabel


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ClusterTagInline(ReadOnlyInline):
    model = ClusterTag
    fields = ["position", "tag"]
    readonly_fields = fields
    ordering = ["position"]


class CarInterestInline(ReadOnlyInline):
    model = CarInterest
    fields = ["ds_id", "car_id", "family_id", "manufacturer_id", "year", "badge", "colour"]
    readonly_fields = fields


@admin.register(LeadCluster)
class LeadClusterAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "contact_name",
        "dealership_id",
        "lead_state",
        "assignee_name",
        "last_lead_created_at",
        "synced_at",
    ]
    list_filter = ["dealership_id", "lead_state", "approved"]
    search_fields = ["=id", "search_text"]
    show_full_result_count = False
    inlines = [ClusterTagInline, CarInterestInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatusOptionLabel)
class StatusOptionLabelAdmin(admin.ModelAdmin):
    """Option ids arrive with webhooks; no endpoint names them, so operators do here."""

    list_display = ["option_id", "name", "dealership_id"]
    list_editable = ["name"]
    list_filter = ["dealership_id"]
    readonly_fields = ["dealership_id", "option_id"]

    def has_add_permission(self, request) -> bool:
        return False
