"""Reads of commitments and action updates: who may see them, and what lists load.

The visibility rule lives here, once, for pages, the dashboard, the open-data
export and the API: a commitment (with its updates, evidence, comments and
reviews) is visible to whoever may see the agreement it comes from
(meetings.querysets.AgreementQuerySet.visible_to): everyone when the table and
the session are open to non-members, the table's members otherwise.

Overdue is derived, never stored: pending (open or in progress) and past its
due date in the table's time zone, at the moment `now` passed in (so that
pages, tests and the dashboard agree on what "today" is).
"""

from django.db import models
from django.db.models import Case, DateField, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Now
from django.utils import timezone


def local_today(now=None):
    """The current date in each row's table time zone, as an SQL expression."""
    instant = Value(now) if now is not None else Now()
    return Cast(Func(F("table__time_zone"), instant, function="timezone"), output_field=DateField())


def days_between(later, earlier) -> Func:
    """`later - earlier` in whole days (PostgreSQL's date minus date)."""
    return Func(later, earlier, template="(%(expressions)s)", arg_joiner=" - ",
                output_field=IntegerField())


class CommitmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from meetings.models import Agreement

        return self.filter(agreement__in=Agreement.objects.visible_to(user))

    def public(self):
        """What anyone may see: the open-data export's rows."""
        from django.contrib.auth.models import AnonymousUser

        return self.visible_to(AnonymousUser())

    def pending(self):
        from commitments.models import CommitmentStatus

        return self.filter(status__in=CommitmentStatus.pending())

    def overdue_q(self, now=None) -> Q:
        from commitments.models import CommitmentStatus

        return Q(status__in=CommitmentStatus.pending(), due_on__lt=local_today(now or timezone.now()))

    def overdue(self, now=None):
        return self.filter(self.overdue_q(now))

    def with_overdue(self, now=None):
        """Annotate `overdue` (bool) and `overdue_days` (0 when not overdue)."""
        now = now or timezone.now()
        today = local_today(now)
        overdue = self.overdue_q(now)
        return self.annotate(
            overdue=Case(When(overdue, then=Value(True)), default=Value(False),
                         output_field=models.BooleanField()),
            overdue_days=Case(
                When(overdue, then=days_between(today, F("due_on"))),
                default=Value(0), output_field=IntegerField(),
            ),
        )

    def with_list_data(self):
        return self.select_related("table", "institution", "agreement", "agreement__session")


class UpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        from commitments.models import Commitment

        return self.filter(commitment__in=Commitment.objects.visible_to(user))

    def with_list_data(self):
        return (self.select_related("author", "institution", "corrects")
                .prefetch_related("evidence", "comments__author"))
