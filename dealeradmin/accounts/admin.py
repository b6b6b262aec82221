from django.contrib import admin

from .models import ApiToken, Dealership, Location, SalesUser


class LocationInline(admin.TabularInline):
    model = Location
    fields = ["ds_id", "name", "location_type"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class SalesUserInline(admin.TabularInline):
    model = SalesUser
    fields = ["ds_id", "name", "email"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Dealership)
class DealershipAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "slug", "time_zone", "refreshed_at"]
    search_fields = ["name", "slug"]
    # Name and slug come from DealerStudio and are overwritten on every check; the time zone
    # is ours.
    readonly_fields = ["id", "name", "slug", "refreshed_at"]
    inlines = [LocationInline, SalesUserInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "ds_id", "location_type", "dealership"]
    list_filter = ["dealership", "location_type"]
    search_fields = ["name"]
    readonly_fields = ["dealership", "ds_id", "name", "location_type"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SalesUser)
class SalesUserAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "ds_id", "dealership"]
    list_filter = ["dealership"]
    search_fields = ["name", "email"]
    readonly_fields = ["dealership", "ds_id", "name", "email"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are stored only by their owner, through the token page; admins may look and
    remove, never read."""

    list_display = ["user", "masked", "apikey_id", "checked_at", "created_at"]
    search_fields = ["user__username"]
    exclude = ["ciphertext"]
    readonly_fields = [
        "user",
        "masked",
        "apikey_id",
        "permissions",
        "dealerships",
        "checked_at",
        "created_at",
    ]
    fields = readonly_fields

    @admin.display(description="Token")
    def masked(self, obj: ApiToken) -> str:
        return f"…{obj.last_four}"

    def has_add_permission(self, request) -> bool:
        return False
