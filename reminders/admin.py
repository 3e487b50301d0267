"""Reminders in the admin: the log to look at. Rows are planned and moved through their
states only by reminders.planner and the dispatcher, so the admin changes nothing."""

from django.contrib import admin

from meetings.admin import ReadOnlyAdmin
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
