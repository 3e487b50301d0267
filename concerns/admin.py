"""Concerns in the admin: read-only, and never the reporter of a restricted or
anonymous concern (the admin is a surface like any other)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from concerns.models import Colonia, Concern, Visibility


@admin.register(Colonia)
class ColoniaAdmin(admin.ModelAdmin):
    list_display = ("name", "table", "is_active")
    list_filter = ("table", "is_active")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ("title", "table", "subcommittee", "visibility", "status", "support_count",
                    "public_reporter", "created_at")
    list_filter = ("table", "visibility", "status")
    list_select_related = ("table", "subcommittee", "reporter")
    # Searching or filtering by reporter would be an oracle for hidden identities.
    search_fields = ("title",)
    fields = ("table", "subcommittee", "title", "description", "visibility", "public_reporter",
              "status", "status_reason", "hidden_at", "hidden_reason", "support_count", "created_at")
    readonly_fields = fields

    @admin.display(description=_("reporter"))
    def public_reporter(self, concern: Concern) -> str:
        if concern.visibility == Visibility.PUBLIC and concern.reporter_id:
            return concern.reporter.display_name
        return "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
