"""Writes to tables and memberships. Callers check permissions first (mesa.permissions).

Every change to a membership is recorded as a MembershipChange, and the
person's guardian groups are brought in step in the same transaction.
"""

from datetime import timedelta
from functools import partial

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import GroupObjectPermission

from accounts.models import User
from mesa import permissions
from mesa.models import (
    Institution,
    Invitation,
    Membership,
    MembershipChange,
    Organisation,
    Role,
    Table,
)

INVITATION_LIFETIME = timedelta(days=14)
SELF_CLAIMABLE_ROLES = (Role.CITIZEN, Role.OFFICIAL, Role.REPRESENTATIVE)


# --- Tables ----------------------------------------------------------------------


@transaction.atomic
def table_create(
    *,
    name: str,
    slug: str,
    city: str,
    time_zone: str,
    default_language: str = "es",
    is_public: bool = True,
    description: str = "",
    state: str = "",
    country: str = "MX",
    secretariat: User | None = None,
) -> Table:
    """Create a table with its role groups and its five standing subcommittees."""
    table = Table(
        name=name,
        slug=slug,
        city=city,
        state=state,
        country=country,
        time_zone=time_zone,
        default_language=default_language,
        is_public=is_public,
        description=description,
    )
    table.full_clean()
    table.save()
    table_prepare(table=table)
    if secretariat is not None:
        membership = Membership(table=table, user=secretariat, role=Role.SECRETARIAT)
        membership.full_clean()
        membership.save()
        _record(membership, actor=secretariat, action=MembershipChange.Action.JOINED,
                to_role=Role.SECRETARIAT)
        _sync_groups(membership)
    return table


@transaction.atomic
def table_prepare(*, table: Table) -> None:
    """Give a saved table its role groups and standing subcommittees (idempotent)."""
    from indicators.services import indicators_create_defaults
    from subcommittees.services import subcommittees_create_standing

    groups = _table_groups(table, create=True)
    codenames = {codename for kind in groups for codename in permissions.GROUP_PERMISSIONS[kind]}
    content_type = ContentType.objects.get_for_model(Table)
    by_codename = {
        perm.codename: perm
        for perm in Permission.objects.filter(content_type=content_type, codename__in=codenames)
    }
    GroupObjectPermission.objects.bulk_create(
        [
            GroupObjectPermission(group=group, permission=by_codename[codename],
                                  content_type=content_type, object_pk=str(table.pk))
            for kind, group in groups.items()
            for codename in permissions.GROUP_PERMISSIONS[kind]
        ],
        ignore_conflicts=True,
    )
    subcommittees_create_standing(table=table)
    indicators_create_defaults(table=table)


@transaction.atomic
def table_update(*, table: Table, **fields) -> Table:
    """Caller has checked can_change_table."""
    allowed = {"name", "city", "state", "description", "time_zone", "default_language", "is_public",
               "agenda_notice_days", "dashboard_is_public"}
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(f"{key} cannot be changed here")
        setattr(table, key, value)
    table.full_clean()
    table.save()
    return table


# --- Memberships -------------------------------------------------------------------


def _record(membership: Membership, *, actor: User, action: str, from_role: str = "",
            to_role: str = "", note: str = "") -> MembershipChange:
    return MembershipChange.objects.create(
        membership=membership, actor=actor, action=action,
        from_role=from_role, to_role=to_role, note=note,
    )


def _sync_groups(membership: Membership) -> None:
    """Put the person in exactly the table groups their membership calls for."""
    wanted = permissions.role_group_kinds(membership)
    groups = _table_groups(membership.table)
    user = membership.user
    user.groups.add(*(group for kind, group in groups.items() if kind in wanted))
    user.groups.remove(*(group for kind, group in groups.items() if kind not in wanted))
    permissions.forget_cached_permissions(user)


def _table_groups(table: Table, *, create: bool = False) -> dict[str, Group]:
    """The table's role groups by kind, in one query (created first where `create`)."""
    names = {permissions.group_name(table, kind): kind for kind in permissions.GROUP_PERMISSIONS}
    if create:
        Group.objects.bulk_create([Group(name=name) for name in names], ignore_conflicts=True)
    return {names[group.name]: group for group in Group.objects.filter(name__in=names)}


def _clean_affiliation(*, table: Table, role: str, institution: Institution | None,
                       organisation: Organisation | None) -> tuple:
    """Keep only the affiliation the role calls for, and check it belongs to the table."""
    if role == Role.OFFICIAL:
        if institution is None:
            raise ValidationError({"institution": _("Choose the institution you work for.")})
        organisation = None
    elif role == Role.REPRESENTATIVE:
        if organisation is None:
            raise ValidationError({"organisation": _("Choose the organisation you represent.")})
        institution = None
    else:
        institution = organisation = None
    if institution is not None and institution.table_id != table.pk:
        raise ValidationError({"institution": _("This institution is not part of this table.")})
    if organisation is not None and organisation.table_id != table.pk:
        raise ValidationError({"organisation": _("This organisation is not part of this table.")})
    return institution, organisation


def _active_membership(table: Table, user: User) -> Membership | None:
    return Membership.objects.filter(table=table, user=user, left_at__isnull=True).first()


@transaction.atomic
def membership_join(
    *,
    table: Table,
    user: User,
    role: str = Role.CITIZEN,
    institution: Institution | None = None,
    organisation: Organisation | None = None,
    position: str = "",
) -> Membership:
    """A person joins a table on their own. An official's or representative's
    claim gives no powers until the secretariat verifies it."""
    if not user.is_email_verified:
        raise ValidationError(_("Confirm your email address before joining a table."))
    if role not in SELF_CLAIMABLE_ROLES:
        raise ValidationError({"role": _("Only the secretariat can give this role.")})
    # Lock the person's row so two quick submissions cannot both join.
    User.objects.select_for_update().get(pk=user.pk)
    if _active_membership(table, user) is not None:
        raise ValidationError(_("You are already a member of this table."))
    institution, organisation = _clean_affiliation(
        table=table, role=role, institution=institution, organisation=organisation
    )
    membership = Membership(
        table=table, user=user, role=role, institution=institution,
        organisation=organisation, position=position,
    )
    membership.full_clean()
    membership.save()
    _record(membership, actor=user, action=MembershipChange.Action.JOINED, to_role=role)
    _sync_groups(membership)
    return membership


def _ensure_secretariat_remains(membership: Membership, *, new_role: str | None) -> None:
    """A table must never lose its last secretariat member: nobody could manage it."""
    if membership.role != Role.SECRETARIAT or new_role == Role.SECRETARIAT:
        return
    others = (
        Membership.objects.active()
        .filter(table=membership.table, role=Role.SECRETARIAT)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError(_("A table needs at least one secretariat member. Appoint another first."))


@transaction.atomic
def membership_change_role(
    *,
    membership: Membership,
    role: str,
    actor: User,
    institution: Institution | None = None,
    organisation: Organisation | None = None,
    position: str | None = None,
    note: str = "",
) -> Membership:
    """Caller has checked can_manage_members. The secretariat vouches for an
    official or representative it appoints, so the membership is verified."""
    from subcommittees.services import coordinator_remove_everywhere

    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("This person has left the table."))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    _ensure_secretariat_remains(membership, new_role=role)
    institution, organisation = _clean_affiliation(
        table=membership.table, role=role, institution=institution, organisation=organisation
    )
    previous_role = membership.role
    membership.role = role
    membership.institution = institution
    membership.organisation = organisation
    if position is not None:
        membership.position = position
    if membership.needs_verification:
        membership.verified_at = timezone.now()
        membership.verified_by = actor
    else:
        membership.verified_at = None
        membership.verified_by = None
    membership.full_clean()
    membership.save()
    if previous_role == Role.COORDINATOR and role not in (Role.COORDINATOR, Role.SECRETARIAT):
        coordinator_remove_everywhere(table=membership.table, user=membership.user)
    _record(membership, actor=actor, action=MembershipChange.Action.ROLE_CHANGED,
            from_role=previous_role, to_role=role, note=note)
    _sync_groups(membership)
    return membership


@transaction.atomic
def membership_verify(*, membership: Membership, actor: User) -> Membership:
    """Caller has checked can_manage_members. Confirms an official's or representative's claim."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("This person has left the table."))
    if not membership.needs_verification:
        raise ValidationError(_("Only officials and representatives need verification."))
    if membership.verified_at is not None:
        raise ValidationError(_("This membership is already verified."))
    membership.verified_at = timezone.now()
    membership.verified_by = actor
    membership.save(update_fields=["verified_at", "verified_by"])
    _record(membership, actor=actor, action=MembershipChange.Action.VERIFIED, to_role=membership.role)
    _sync_groups(membership)
    return membership


@transaction.atomic
def membership_refuse_verification(*, membership: Membership, actor: User, note: str) -> Membership:
    """Caller has checked can_manage_members. The person stays, as a citizen."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_pending_verification:
        raise ValidationError(_("There is no pending claim to refuse."))
    if not note.strip():
        raise ValidationError({"note": _("Say why, so the person knows.")})
    previous_role = membership.role
    membership.role = Role.CITIZEN
    membership.institution = None
    membership.organisation = None
    membership.save(update_fields=["role", "institution", "organisation"])
    _record(membership, actor=actor, action=MembershipChange.Action.VERIFICATION_REFUSED,
            from_role=previous_role, to_role=Role.CITIZEN, note=note)
    _sync_groups(membership)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: User, note: str = "") -> Membership:
    """The person leaves (actor is the person) or the secretariat removes them
    (caller has checked can_manage_members). The record stays."""
    from subcommittees.services import coordinator_remove_everywhere

    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("This person has already left the table."))
    _ensure_secretariat_remains(membership, new_role=None)
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    coordinator_remove_everywhere(table=membership.table, user=membership.user)
    action = (MembershipChange.Action.LEFT if actor.pk == membership.user_id
              else MembershipChange.Action.REMOVED)
    _record(membership, actor=actor, action=action, from_role=membership.role, note=note)
    _sync_groups(membership)
    return membership


# --- Invitations ---------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    table: Table,
    email: str,
    role: str,
    invited_by: User,
    institution: Institution | None = None,
    organisation: Organisation | None = None,
) -> Invitation:
    """Caller has checked can_manage_members. Mails the link once the row is committed."""
    from mesa.tasks import send_invitation_email_task

    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.active().filter(table=table, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of this table.")})
    institution, organisation = _clean_affiliation(
        table=table, role=role, institution=institution, organisation=organisation
    )
    invitation = Invitation(
        table=table, email=email, role=role, institution=institution,
        organisation=organisation, invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(partial(send_invitation_email_task.delay, invitation.pk))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person, signed in with the invited address, takes their place."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to another email address. Sign in with that address.")
        )
    if not user.is_email_verified:
        raise ValidationError(_("Confirm your email address before joining a table."))
    table = invitation.table
    membership = _active_membership(table, user)
    if membership is not None:
        membership = membership_change_role(
            membership=membership, role=invitation.role, actor=invitation.invited_by,
            institution=invitation.institution, organisation=invitation.organisation,
            note=_("By invitation"),
        )
    else:
        membership = Membership(
            table=table, user=user, role=invitation.role, institution=invitation.institution,
            organisation=invitation.organisation,
        )
        if membership.needs_verification:
            membership.verified_at = timezone.now()
            membership.verified_by = invitation.invited_by
        membership.full_clean()
        membership.save()
        _record(membership, actor=invitation.invited_by, action=MembershipChange.Action.INVITED,
                to_role=invitation.role)
        _sync_groups(membership)
    invitation.accepted_at = timezone.now()
    invitation.membership = membership
    invitation.save(update_fields=["accepted_at", "membership"])
    return membership


# --- Institutions and organisations ------------------------------------------------


def _save_named(record: Institution | Organisation, duplicate_message: str) -> None:
    """full_clean catches a duplicate name; the savepoint catches one saved a moment ago."""
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise ValidationError({"name": duplicate_message}) from exc


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Caller has checked can_manage_institutions on institution.table."""
    _save_named(institution, _("This table already has an institution with this name."))
    return institution


@transaction.atomic
def organisation_save(*, organisation: Organisation) -> Organisation:
    """Caller has checked can_manage_institutions on organisation.table."""
    _save_named(organisation, _("This table already has an organisation with this name."))
    return organisation
