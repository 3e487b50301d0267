from django.contrib import admin

from subcommittees.models import Subcommittee


@admin.register(Subcommittee)
class SubcommitteeAdmin(admin.ModelAdmin):
    list_display = ("name_es", "name_en", "table", "standing_theme", "archived_at")
    list_filter = ("table", "standing_theme", ("archived_at", admin.EmptyFieldListFilter))
    search_fields = ("name_es", "name_en")
    list_select_related = ("table",)
    readonly_fields = ("table", "slug", "standing_theme", "coordinators", "created_at")
    fields = ("table", "name_es", "name_en", "slug", "description", "standing_theme",
              "coordinators", "archived_at", "created_at")

    def has_add_permission(self, request):
        return False  # the secretariat adds subcommittees on the table's pages

    def has_delete_permission(self, request, obj=None):
        return False  # archived, never deleted
