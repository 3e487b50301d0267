from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminUserAddForm, AdminUserChangeForm
from accounts.models import LoginEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin for an account that logs in by email and has no username."""

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("display_name", "language", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("email_verified_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "display_name", "is_verified", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "groups")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")

    @admin.display(boolean=True, description=_("email confirmed"), ordering="email_verified_at")
    def is_verified(self, obj: User) -> bool:
        return obj.is_email_verified


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    """Read-only, and for superusers only: where and when a person signs in can endanger them."""

    list_display = ("at", "kind", "username", "user", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username",)
    date_hierarchy = "at"
    list_select_related = ("user",)
    readonly_fields = ("user", "username", "kind", "at", "ip_address", "user_agent")

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
