"""Sessions, minutes, agreements and proposals in the admin: to look, never to change.

The record is written by meetings.services (which keep the timeline and the
numbering) and guarded by PostgreSQL; the admin must not be a way around them.
"""

from django.contrib import admin

from meetings.models import Agreement, Minutes, Proposal, Session


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "table", "subcommittee", "starts_at", "status")
    list_filter = ("table", "status")
    list_select_related = ("table", "subcommittee")
    search_fields = ("code", "title")


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ("session", "version", "approved_at")
    list_select_related = ("session",)


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("code", "table", "created_at", "withdrawn_at")
    list_filter = ("table",)
    list_select_related = ("table",)
    search_fields = ("code", "text")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "table", "subcommittee", "status")
    list_filter = ("table", "status")
    list_select_related = ("table", "subcommittee")
    search_fields = ("title",)
