from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _


def _role_count_filters(prefix: str = "") -> dict[str, Q]:
    """Active members by the role they act in. A claim the secretariat has not
    verified yet counts as a citizen (that is how the person takes part), and
    separately as pending."""

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    pending = q(role__in=("official", "representative"), verified_at__isnull=True)
    verified = q(verified_at__isnull=False)
    return {
        "citizen": q(role="citizen") | pending,
        "representative": q(role="representative") & verified,
        "official": q(role="official") & verified,
        "coordinator": q(role="coordinator"),
        "secretariat": q(role="secretariat"),
        "pending": pending,
    }


class TableQuerySet(models.QuerySet):
    def with_member_counts(self):
        active = Q(memberships__left_at__isnull=True)
        return self.annotate(active_member_count=Count("memberships", filter=active, distinct=True))

    def with_role_counts(self):
        """Annotate members_<role> and members_pending, as MembershipQuerySet.role_counts() counts."""
        active = Q(memberships__left_at__isnull=True)
        return self.annotate(**{
            f"members_{key}": Count("memberships", filter=active & condition)
            for key, condition in _role_count_filters("memberships__").items()
        })


# Roles whose holders act in public on behalf of someone: members see their names.
PUBLIC_FACING_ROLES = ("representative", "official", "coordinator", "secretariat")


class MembershipStatus(models.TextChoices):
    """Where a membership stands; a filter on the member list page and in the API."""

    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Pending verification")
    LEFT = "left", _("Left the table")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)

    def verified(self):
        unverifiable = ("citizen", "coordinator", "secretariat")
        return self.filter(Q(verified_at__isnull=False) | Q(role__in=unverifiable))

    def pending_verification(self):
        return self.active().filter(role__in=("official", "representative"), verified_at__isnull=True)

    def role_counts(self) -> dict[str, int]:
        """{"total", "citizen", "representative", "official", "coordinator",
        "secretariat", "pending"} for the active memberships in this queryset (kept in the
        cache until a membership changes: mesa.counts)."""
        from mesa.counts import cached_aggregate

        return cached_aggregate(
            self.active(), total=Count("pk"),
            **{key: Count("pk", filter=condition) for key, condition in _role_count_filters().items()},
        )

    def with_status(self, status: str):
        if status == MembershipStatus.ACTIVE:
            return self.active().verified()
        if status == MembershipStatus.PENDING:
            return self.pending_verification()
        if status == MembershipStatus.LEFT:
            return self.filter(left_at__isnull=False)
        return self

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
