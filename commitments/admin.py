"""Commitments, due-date moves, action updates, their evidence and comments, and delivery
reviews in the admin: to look, never to change.

They are written by commitments.services (which check dates, quantities and who acts)
and kept by PostgreSQL in a tamper-evident history; the admin must not be a way around
either. Evidence files are not shown here: they have no URL, and are served only by the
commitment's pages after a permission check.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from commitments.models import (
    ActionUpdate,
    Commitment,
    DeliveryReview,
    DueDateChange,
    UpdateComment,
    UpdateEvidence,
)
from meetings.admin import ReadOnlyAdmin


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ("code", "institution", "table", "status", "due_on", "overdue", "requested",
                    "committed", "delivered")
    list_filter = ("table", "status", "institution__level")
    list_select_related = ("table", "institution")
    search_fields = ("code", "description", "institution__name", "institution__acronym")
    date_hierarchy = "due_on"

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, commitment: Commitment) -> bool:
        return commitment.is_overdue()


@admin.register(DueDateChange)
class DueDateChangeAdmin(ReadOnlyAdmin):
    list_display = ("commitment", "previous_due_on", "new_due_on", "changed_by", "created_at")
    list_filter = ("commitment__table",)
    list_select_related = ("commitment", "changed_by")
    search_fields = ("commitment__code", "reason")


@admin.register(ActionUpdate)
class ActionUpdateAdmin(ReadOnlyAdmin):
    list_display = ("commitment", "institution", "author", "action_on", "delivered_change", "corrects",
                    "created_at")
    list_filter = ("commitment__table", "institution")
    list_select_related = ("commitment", "institution", "author", "corrects")
    search_fields = ("commitment__code", "text")


@admin.register(UpdateEvidence)
class UpdateEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "update", "kind", "content_type", "size", "uploaded_by", "created_at")
    list_filter = ("kind", "update__commitment__table")
    list_select_related = ("update", "uploaded_by")
    search_fields = ("update__commitment__code", "original_name")
    # Not the file: private storage has no URL to link to.
    fields = ("update", "kind", "content_type", "size", "original_name", "uploaded_by", "created_at")


@admin.register(UpdateComment)
class UpdateCommentAdmin(ReadOnlyAdmin):
    list_display = ("update", "author", "created_at")
    list_filter = ("update__commitment__table",)
    list_select_related = ("update", "author")
    search_fields = ("update__commitment__code", "text")


@admin.register(DeliveryReview)
class DeliveryReviewAdmin(ReadOnlyAdmin):
    list_display = ("commitment", "user", "verdict", "updated_at")
    list_filter = ("verdict", "commitment__table")
    list_select_related = ("commitment", "user")
    search_fields = ("commitment__code", "comment")
