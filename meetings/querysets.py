"""Reads of sessions, proposals and agreements: who may see what, and what lists load.

The visibility rules live here, once, for pages, feeds and the API:

- A session (and its agenda, approved minutes and agreements): everyone when
  both the table and the session are open to non-members; otherwise the
  table's members.
- A proposal: like the table's other content once submitted; a draft only to
  the coordinators of its subcommittee and the table's secretariat.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


def _member_tables(user):
    from mesa.permissions import tables_for_user  # permissions import models

    return tables_for_user(user, "mesa.view_table_content")


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        open_to_all = Q(table__is_public=True, is_public=True)
        if not user.is_authenticated:
            return self.filter(open_to_all)
        return self.filter(open_to_all | Q(table__in=_member_tables(user)))

    def upcoming(self, now=None):
        """Not over yet, soonest first (cancelled ones too: people need to know)."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None):
        """Over, most recent first."""
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")

    def plenaries(self):
        return self.filter(subcommittee__isnull=True)

    def with_list_data(self):
        return self.select_related("table", "subcommittee")


class ProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        from mesa.permissions import subcommittees_coordinated_by, tables_for_user

        submitted_at_public_table = ~Q(status="draft") & Q(table__is_public=True)
        if not user.is_authenticated:
            return self.filter(submitted_at_public_table)
        return self.filter(
            submitted_at_public_table
            | (~Q(status="draft") & Q(table__in=_member_tables(user)))
            | Q(table__in=tables_for_user(user, "mesa.change_table"))
            | Q(subcommittee__in=subcommittees_coordinated_by(user))
        )

    def with_list_data(self):
        return self.select_related("table", "subcommittee", "institution", "session")


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        from meetings.models import Session

        return self.filter(session__in=Session.objects.visible_to(user))

    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)

    def with_list_data(self):
        return (self.select_related("table", "session", "session__subcommittee")
                .prefetch_related("responsible_institutions"))
