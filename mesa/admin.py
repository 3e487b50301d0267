"""The admin for platform staff. Changes that the table's memory depends on
(memberships, their history, invitations) are read-only here: they go through
the secretariat's pages so that every change is recorded and permissions stay in step."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mesa import services
from mesa.models import Institution, Invitation, Membership, MembershipChange, Organisation, Table


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Table)
class TableAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "city", "slug", "time_zone", "default_language", "is_public")
    list_filter = ("is_public", "default_language", "country")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_readonly_fields(self, request, obj=None):
        # The slug is in every link to the table: fixed once created.
        return ("slug", "created_at") if obj else ("created_at",)

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.table_prepare(table=obj)  # role groups and standing subcommittees


@admin.register(Institution)
class InstitutionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "acronym", "level", "table", "is_active")
    list_filter = ("level", "is_active", "table")
    search_fields = ("name", "acronym")
    list_select_related = ("table",)


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "table", "is_active")
    list_filter = ("kind", "is_active", "table")
    search_fields = ("name",)
    list_select_related = ("table",)


class MembershipChangeInline(admin.TabularInline):
    model = MembershipChange
    fk_name = "membership"
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "action", "from_role", "to_role", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "table", "role", "institution", "organisation", "verified_at", "left_at")
    list_filter = ("role", "table", ("left_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__display_name")
    list_select_related = ("user", "table", "institution", "organisation")
    readonly_fields = [f.name for f in Membership._meta.fields]
    inlines = [MembershipChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed through has_view_permission; edits go through the secretariat pages.
        return False


@admin.register(MembershipChange)
class MembershipChangeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("created_at", "membership", "action", "from_role", "to_role", "actor")
    list_filter = ("action",)
    list_select_related = ("membership__user", "membership__table", "actor")
    readonly_fields = [f.name for f in MembershipChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("email", "table", "role", "invited_by", "created_at", "expires_at", "accepted_at")
    list_filter = ("role", "table")
    search_fields = ("email",)
    list_select_related = ("table", "invited_by")
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token"]
    exclude = ("token",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Mesa administration")
admin.site.site_title = _("Mesa administration")
