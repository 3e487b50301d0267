"""Reads of indicators and observations: who may see them.

Indicators are table content, like sessions: everyone sees them at a table open
to non-members, the table's members otherwise. The one rule, for pages, charts,
exports and the API.
"""

from django.db import models
from django.db.models import Q


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        from mesa.permissions import tables_for_user

        if not user.is_authenticated:
            return self.filter(table__is_public=True)
        return self.filter(Q(table__is_public=True)
                           | Q(table__in=tables_for_user(user, "mesa.view_table_content")))

    def active(self):
        return self.filter(is_active=True)


class ObservationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from indicators.models import Indicator

        return self.filter(indicator__in=Indicator.objects.visible_to(user))

    def whole_table(self):
        """The series of the table's whole area (not one colonia)."""
        return self.filter(colonia="")
