"""The public and member pages of a table: home, the table page, joining, leaving, invitations.

Views are thin: find the object, ask mesa.permissions, call one service, render
or redirect. The secretariat's pages live in mesa.secretariat_views.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from concerns.models import Concern
from meetings.selectors import upcoming_sessions
from mesa import permissions, services
from mesa.forms import TableJoinForm, add_service_error
from mesa.models import (
    GovernmentLevel,
    Invitation,
    Membership,
    OrganisationKind,
    Role,
    Table,
)
from mesa.querysets import PUBLIC_FACING_ROLES


@require_safe
def home(request):
    # 1 query for every table with its member count, 1 for the person's own memberships.
    tables = list(Table.objects.with_member_counts().order_by("name"))
    your_memberships = []
    if request.user.is_authenticated:
        by_pk = {table.pk: table for table in tables}
        your_memberships = list(
            Membership.objects.active()
            .filter(user=request.user)
            .select_related("institution", "organisation")
        )
        for membership in your_memberships:
            membership.table = by_pk[membership.table_id]  # the annotated instance, no query
        your_memberships.sort(key=lambda m: m.table.name)
        yours = set(by_pk) & {m.table_id for m in your_memberships}
        tables = [table for table in tables if table.pk not in yours]
    return render(request, "mesa/home.html", {
        "tables": tables,
        "your_memberships": your_memberships,
    })


def _time_zone_in_words(table: Table) -> dict:
    """'Ciudad Juarez' and 'UTC−07:00' for America/Ciudad_Juarez, for a sentence in the template."""
    offset = timezone.now().astimezone(table.zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return {
        "place": table.time_zone.rsplit("/", 1)[-1].replace("_", " "),
        "offset": f"UTC{sign}{hours:02d}:{minutes:02d}",
    }


def _people_by_role(user, table: Table) -> list[tuple[str, list[Membership]]]:
    """The names of the people who act in public, only for those allowed to see
    them (Membership.objects.visible_to is the rule). Citizens are never listed here."""
    people = list(
        Membership.objects.visible_to(user)
        .active()
        .verified()
        .filter(table=table, role__in=PUBLIC_FACING_ROLES)
        .select_related("user", "institution", "organisation")
        .order_by("user__display_name", "pk")
    )
    sections = [
        (Role.OFFICIAL, _("Officials")),
        (Role.REPRESENTATIVE, _("Organisation representatives")),
        (Role.COORDINATOR, _("Subcommittee coordinators")),
        (Role.SECRETARIAT, _("Secretariat")),
    ]
    return [
        (label, members)
        for role, label in sections
        if (members := [m for m in people if m.role == role])
    ]


@require_safe
def table_detail(request, slug: str):
    """What the table is, for everyone; who is who, for those allowed; actions by permission."""
    table = permissions.get_table_for_user(request.user, slug)
    table_perms = permissions.table_permissions(request.user, table)
    membership = None
    if request.user.is_authenticated:
        membership = (
            Membership.objects.active()
            .filter(table=table, user=request.user)
            .select_related("institution", "organisation")
            .first()
        )
    coordinators = get_user_model().objects.order_by("display_name")
    subcommittees = table.subcommittees.active().prefetch_related(
        Prefetch("coordinators", queryset=coordinators)
    )
    institutions = list(table.institutions.filter(is_active=True).order_by("name"))
    organisations = list(table.organisations.filter(is_active=True).order_by("name"))
    return render(request, "mesa/table_detail.html", {
        "table": table,
        "table_perms": table_perms,
        "membership": membership,
        "time_zone": _time_zone_in_words(table),
        "subcommittees": subcommittees,
        "institutions_by_level": [
            (label, group)
            for level, label in GovernmentLevel.choices
            if (group := [i for i in institutions if i.level == level])
        ],
        "organisations_by_kind": [
            (label, group)
            for kind, label in OrganisationKind.choices
            if (group := [o for o in organisations if o.kind == kind])
        ],
        "counts": Membership.objects.filter(table=table).role_counts(),
        "people_by_role": _people_by_role(request.user, table),
        "top_concerns": list(
            Concern.objects.visible_to(request.user).listed().filter(table=table)
            .by_priority().select_related("table")[:5]
        ),
        "upcoming_sessions": (upcoming_sessions(request.user, table, limit=3)
                              if table_perms.view_content else []),
    })


def _joined_message(membership: Membership) -> str:
    table = membership.table.name
    if membership.role == Role.OFFICIAL:
        return _(
            "Welcome to %(table)s. The secretariat will verify that you are an official of "
            "%(institution)s; until then you take part as a citizen."
        ) % {"table": table, "institution": membership.institution.name}
    if membership.role == Role.REPRESENTATIVE:
        return _(
            "Welcome to %(table)s. The secretariat will verify that you represent "
            "%(organisation)s; until then you take part as a citizen."
        ) % {"table": table, "organisation": membership.organisation.name}
    return _("Welcome to %(table)s. You take part as a citizen.") % {"table": table}


@login_required
@require_http_methods(["GET", "POST"])
def table_join(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug)
    if permissions.is_member(request.user, table):
        messages.info(request, _("You are already a member of %(table)s.") % {"table": table.name})
        return redirect(table)
    if not request.user.is_email_verified:
        # Nothing is saved: the page explains what to do first.
        return render(request, "mesa/table_join.html", {"table": table, "email_unverified": True})
    form = TableJoinForm(request.POST if request.method == "POST" else None, table=table)
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        try:
            membership = services.membership_join(
                table=table,
                user=request.user,
                role=role,
                institution=form.cleaned_data["institution"] if role == Role.OFFICIAL else None,
                organisation=(
                    form.cleaned_data["organisation"] if role == Role.REPRESENTATIVE else None
                ),
                position=form.cleaned_data["position"] if role == Role.OFFICIAL else "",
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _joined_message(membership))
            return redirect(table)
    return render(request, "mesa/table_join.html", {"table": table, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def table_leave(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug, permissions.is_member)
    membership = get_object_or_404(Membership.objects.active(), table=table, user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.membership_end(membership=membership, actor=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("You have left %(table)s.") % {"table": table.name})
            return redirect(table)
    return render(request, "mesa/table_leave.html", {
        "table": table,
        "membership": membership,
        "errors": errors,
    }, status=400 if errors else 200)


def _masked_email(email: str) -> str:
    """Enough of the invited address to recognise it, not enough to harvest it."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.select_related("table", "institution", "organisation"), token=token
    )
    errors: list[str] = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Welcome to %(table)s. You take part as: %(role)s.") % {
                "table": invitation.table.name, "role": membership.get_role_display(),
            })
            return redirect(invitation.table)
    user = request.user
    return render(request, "mesa/invitation_accept.html", {
        "invitation": invitation,
        "table": invitation.table,
        "masked_email": _masked_email(invitation.email),
        "wrong_account": user.is_authenticated and user.email.lower() != invitation.email.lower(),
        "errors": errors,
    }, status=400 if errors else 200)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
