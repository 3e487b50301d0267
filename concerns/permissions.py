"""Who may see and do what with a concern, and who may know who raised it.

Content: ConcernQuerySet.visible_to is the rule; `can_view` asks it for one
concern. Reporter identity: `ReporterVisibility` is the rule, for every
surface (pages, lists, search, API, mail, admin). It grants no exception to
platform staff: a superuser sees a restricted concern's reporter only if they
would as a person at the table.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from concerns.models import Answer, Concern, Visibility
from mesa import permissions as mesa_permissions
from mesa.models import Membership, Organisation, Role
from subcommittees import permissions as subcommittee_permissions


def can_view(user, concern: Concern) -> bool:
    return Concern.objects.visible_to(user).filter(pk=concern.pk).exists()


def get_concern_for_user(user, table_slug: str, pk: int) -> Concern:
    """The concern, or 404 for anyone who may not read it (never a tell-tale 403)."""
    concern = get_object_or_404(
        Concern.objects.visible_to(user).select_related("table", "subcommittee", "colonia",
                                                         "reporter", "duplicate_of"),
        table__slug=table_slug, pk=pk,
    )
    return concern


def can_raise(user, table, visibility: str) -> bool:
    """Anyone may raise an anonymous concern; public and restricted ones need membership."""
    if visibility == Visibility.ANONYMOUS:
        return True
    return mesa_permissions.is_member(user, table)


def can_triage(user, concern: Concern) -> bool:
    """Accept, reject, re-route, assign, mark duplicate, hide: the subcommittee's
    coordinators and the table's secretariat."""
    return subcommittee_permissions.can_coordinate(user, concern.subcommittee)


def answerable_institution_ids(user, concern: Concern) -> set[int]:
    """Institutions in whose name `user` may answer: assigned ones where they are a verified official."""
    if not mesa_permissions.can_act_as_official(user, concern.table):
        return set()
    mine = set(
        Membership.objects.active().verified()
        .filter(user=user, table=concern.table, role=Role.OFFICIAL)
        .values_list("institution_id", flat=True)
    )
    assigned = set(concern.assignments.values_list("institution_id", flat=True))
    return mine & assigned


def can_triage_at(user, table) -> bool:
    """Whether `user` coordinates any subcommittee of `table` or is its secretariat."""
    return bool(user.is_authenticated
                and subcommittee_permissions.subcommittees_triaged_by(user, table))


def endorsable_organisations(user, table) -> list:
    """Organisations in whose name `user` may endorse (services.support_add checks it again)."""
    if not user.is_authenticated:
        return []
    return list(
        Organisation.objects.filter(
            pk__in=Membership.objects.active().filter(
                user=user, table=table, role=Role.REPRESENTATIVE, verified_at__isnull=False
            ).values("organisation_id")
        ).order_by("name")
    )


def can_answer(user, concern: Concern) -> bool:
    return bool(answerable_institution_ids(user, concern))


def is_reporter(user, concern: Concern) -> bool:
    return user.is_authenticated and concern.reporter_id == user.pk


def can_support(user, concern: Concern) -> bool:
    """Members who can read it, except its reporter."""
    return (mesa_permissions.is_member(user, concern.table) and not is_reporter(user, concern)
            and can_view(user, concern))


def can_follow(user, concern: Concern) -> bool:
    return user.is_authenticated and can_view(user, concern)


def can_rate(user, answer: Answer) -> bool:
    """The reporter and the supporters rate an answer (the receipt holder through the receipt)."""
    concern = answer.concern
    if is_reporter(user, concern):
        return True
    return user.is_authenticated and concern.supports.filter(user=user).exists()


@dataclass
class ReporterVisibility:
    """Whether one person may know who raised each concern, computed once per request.

    - anonymous: nobody (nothing is stored);
    - public: whoever may read the concern sees the reporter's display name;
    - restricted: the reporter, the coordinators of the concern's subcommittee
      and the table's secretariat; verified officials of an accused
      institution only while the reporter consents.
    """

    user_id: int | None
    secretariat_table_ids: set[int] = field(default_factory=set)
    coordinated_subcommittee_ids: set[int] = field(default_factory=set)
    official_institution_ids: set[int] = field(default_factory=set)

    def can_see(self, concern: Concern) -> bool:
        if concern.visibility == Visibility.ANONYMOUS or concern.reporter_id is None:
            return False
        if concern.visibility == Visibility.PUBLIC:
            return True  # the caller shows only concerns the person may read
        if self.user_id is not None and concern.reporter_id == self.user_id:
            return True
        if concern.table_id in self.secretariat_table_ids:
            return True
        if concern.subcommittee_id in self.coordinated_subcommittee_ids:
            return True
        if concern.consent_to_accused_at is not None and self.official_institution_ids:
            accused = {i.pk for i in concern.accused_institutions.all()}
            return bool(accused & self.official_institution_ids)
        return False

    def reporter_name(self, concern: Concern) -> str | None:
        return concern.reporter.display_name if self.can_see(concern) else None


def reporter_visibility_for(user) -> ReporterVisibility:
    """Built from the person's own memberships, never from superuser status."""
    if not user.is_authenticated:
        return ReporterVisibility(user_id=None)
    memberships = list(
        Membership.objects.active().filter(user=user).values("table_id", "role", "institution_id",
                                                             "verified_at")
    )
    return ReporterVisibility(
        user_id=user.pk,
        secretariat_table_ids={m["table_id"] for m in memberships if m["role"] == Role.SECRETARIAT},
        coordinated_subcommittee_ids=set(user.coordinated_subcommittees.values_list("pk", flat=True)),
        official_institution_ids={
            m["institution_id"] for m in memberships
            if m["role"] == Role.OFFICIAL and m["verified_at"] is not None
        },
    )


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
