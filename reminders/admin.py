"""Reminders in the admin: the log to look at, and each table's reminder schedule. Rows are
planned and moved through their states only by the planners and the dispatcher, so the admin
changes no reminder; saving a schedule re-plans by it (reminders.services.schedule_save)."""

from django.contrib import admin

from meetings.admin import ReadOnlyAdmin
from reminders import services
from reminders.models import Reminder, ReminderSchedule


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("key", "kind", "table", "send_at", "state", "attempts", "sent_at")
    list_filter = ("state", "kind", "table")
    list_select_related = ("table",)
    search_fields = ("key",)
    date_hierarchy = "send_at"


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("table", "session_hours_before", "commitment_days_before", "overdue_every_days",
                    "unanswered_working_days")
    list_select_related = ("table",)

    def save_model(self, request, obj, form, change):
        services.schedule_save(schedule=obj)
