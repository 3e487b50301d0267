from django.db import models
from django.db.models import Count, Q


class TableQuerySet(models.QuerySet):
    def with_member_counts(self):
        active = Q(memberships__left_at__isnull=True)
        return self.annotate(active_member_count=Count("memberships", filter=active, distinct=True))


# Roles whose holders act in public on behalf of someone: members see their names.
PUBLIC_FACING_ROLES = ("representative", "official", "coordinator", "secretariat")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)

    def verified(self):
        unverifiable = ("citizen", "coordinator", "secretariat")
        return self.filter(Q(verified_at__isnull=False) | Q(role__in=unverifiable))

    def pending_verification(self):
        return self.active().filter(role__in=("official", "representative"), verified_at__isnull=True)

    def with_list_data(self):
        return self.select_related("user", "table", "institution", "organisation", "verified_by")

    def visible_to(self, user):
        """Memberships a person may see, by the same rule on pages and in the API.

        The secretariat sees everyone at its table; other members see the
        active, verified people who act in public (officials, representatives,
        coordinators, secretariat), never the list of citizens; everyone sees
        their own memberships.
        """
        from mesa.permissions import tables_for_user  # permissions import models

        if not user.is_authenticated:
            return self.none()
        managed = tables_for_user(user, "mesa.manage_members")
        listed = tables_for_user(user, "mesa.view_member_list")
        public_facing = (
            Q(table__in=listed, left_at__isnull=True, role__in=PUBLIC_FACING_ROLES)
            & (Q(verified_at__isnull=False) | Q(role__in=("coordinator", "secretariat")))
        )
        return self.filter(Q(table__in=managed) | public_facing | Q(user=user))
