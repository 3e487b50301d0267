"""Who may see and do what with a concern, and who may know who raised it.

Content: ConcernQuerySet.visible_to is the rule; `can_view` asks it for one
concern. Reporter identity: `ReporterVisibility` is the rule, for every
surface (pages, lists, search, API, mail, admin). It grants no exception to
platform staff: a superuser sees a restricted concern's reporter only if they
would as a person at the table.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property

from concerns.models import Answer, Concern, Visibility
from mesa import permissions as mesa_permissions
from mesa.models import Membership, Organisation, Role
from subcommittees import permissions as subcommittee_permissions


def can_view(user, concern: Concern) -> bool:
    """Asked of the database once per concern object and person (a page asks several times)."""
    readers = concern.__dict__.setdefault("_mesa_readers", {})
    if user.pk not in readers:
        readers[user.pk] = Concern.objects.visible_to(user).filter(pk=concern.pk).exists()
    return readers[user.pk]


def forget_readers(concern: Concern) -> None:
    """After a change to `concern` in this request: ask can_view and is_supporter afresh."""
    concern.__dict__.pop("_mesa_readers", None)
    concern.__dict__.pop("_mesa_supporters", None)


def get_concern_for_user(user, table_slug: str, pk: int) -> Concern:
    """The concern, or 404 for anyone who may not read it (never a tell-tale 403)."""
    concern = get_object_or_404(
        Concern.objects.visible_to(user).select_related("table", "subcommittee", "subcommittee__table",
                                                         "colonia", "reporter", "duplicate_of"),
        table__slug=table_slug, pk=pk,
    )
    concern._mesa_readers = {user.pk: True}  # found through visible_to(user)
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


def is_supporter(user, concern: Concern) -> bool:
    """Asked of the database once per concern object and person (`note_support` tells it)."""
    if not user.is_authenticated:
        return False
    supporters = concern.__dict__.setdefault("_mesa_supporters", {})
    if user.pk not in supporters:
        supporters[user.pk] = concern.supports.filter(user=user).exists()
    return supporters[user.pk]


def note_support(user, concern: Concern, support) -> None:
    """What a page already read: whether `user` supports `concern` (their Support or None)."""
    concern.__dict__.setdefault("_mesa_supporters", {})[user.pk] = support is not None


def can_rate(user, answer: Answer) -> bool:
    """The reporter and the supporters rate an answer (the receipt holder through the receipt)."""
    concern = answer.concern
    return is_reporter(user, concern) or is_supporter(user, concern)


class ReporterVisibility:
    """Whether one person may know who raised each concern, computed once per request.

    - anonymous: nobody (nothing is stored);
    - public: whoever may read the concern sees the reporter's display name;
    - restricted: the reporter, the coordinators of the concern's subcommittee
      and the table's secretariat; verified officials of an accused
      institution only while the reporter consents.

    Built from the person's own memberships, never from superuser status; they are read
    when first needed (a page of public concerns never needs them).
    """

    def __init__(self, user=None):
        self.user = user if user is not None and user.is_authenticated else None
        self.user_id = self.user.pk if self.user else None

    @cached_property
    def _memberships(self) -> list[dict]:
        if self.user is None:
            return []
        return list(Membership.objects.active().filter(user=self.user)
                    .values("table_id", "role", "institution_id", "verified_at"))

    @cached_property
    def secretariat_table_ids(self) -> set[int]:
        return {m["table_id"] for m in self._memberships if m["role"] == Role.SECRETARIAT}

    @cached_property
    def coordinated_subcommittee_ids(self) -> set[int]:
        return set(mesa_permissions.coordinated_subcommittees(self.user)) if self.user else set()

    @cached_property
    def official_institution_ids(self) -> set[int]:
        return {m["institution_id"] for m in self._memberships
                if m["role"] == Role.OFFICIAL and m["verified_at"] is not None}

    def can_see(self, concern: Concern) -> bool:
        if concern.visibility == Visibility.ANONYMOUS or concern.reporter_id is None:
            return False
        if concern.visibility == Visibility.PUBLIC:
            return True  # the caller shows only concerns the person may read
        if self.user_id is not None and concern.reporter_id == self.user_id:
            return True
        if self.user_id is None:
            return False
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
    return ReporterVisibility(user)


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
