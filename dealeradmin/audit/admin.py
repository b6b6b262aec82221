from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log records what happened and is never edited."""

    list_display = [
        "created_at",
        "actor_name",
        "action",
        "dealership_id",
        "cluster_id",
        "outcome",
        "upstream_status",
    ]
    list_filter = ["action", "outcome", "dealership_id"]
    search_fields = ["actor_name", "=cluster_id", "=job_id"]
    date_hierarchy = "created_at"
    list_select_related = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
