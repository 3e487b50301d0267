"""What a concern reminder's email says that the concern does not store."""

from django import template

from reminders import concern_planner

register = template.Library()


@register.simple_tag
def unanswered_working_days(reminder) -> int:
    """`{% unanswered_working_days reminder as days %}`: working days since it was accepted."""
    return concern_planner.days_unanswered(reminder)
