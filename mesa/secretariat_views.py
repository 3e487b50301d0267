"""The secretariat's pages: members, invitations, institutions, organisations, settings.

Each view gets the table through mesa.permissions (404 for an unknown table,
403 without the rule), calls one service and redirects (POST-redirect-GET).
A service's ValidationError goes back on the form; nothing is saved then.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mesa import permissions, services
from mesa.models import (
    GovernmentLevel,
    Institution,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Table,
)
from mesa.secretariat_forms import (
    InstitutionForm,
    InvitationForm,
    MembershipFilter,
    OrganisationForm,
    RefuseVerificationForm,
    RemoveMemberForm,
    RoleChangeForm,
    TableSettingsForm,
    add_service_error,
)

MEMBERS_PER_PAGE = 50


def _may_see_members(user, table: Table) -> bool:
    return permissions.can_view_member_list(user, table) or permissions.can_manage_members(
        user, table
    )


def _context(request, table: Table, **extra) -> dict:
    return {"table": table, "table_perms": permissions.table_permissions(request.user, table),
            **extra}


def _member_of_table(table: Table, pk: int) -> Membership:
    """A membership of *this* table: another table's pk under this slug is a 404."""
    return get_object_or_404(Membership.objects.with_list_data(), pk=pk, table=table)


def _back(request, default: str):
    """Where a POST came from (the list or the detail page), if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --- Members ---------------------------------------------------------------------------


@login_required
def member_list(request, slug: str):
    """Members and the secretariat. Who appears is decided by Membership.visible_to only."""
    table = permissions.get_table_for_user(request.user, slug, _may_see_members)
    manages = permissions.can_manage_members(request.user, table)
    visible = Membership.objects.visible_to(request.user).filter(table=table).with_list_data()
    filterset = MembershipFilter(
        request.GET or None,
        queryset=visible.order_by("user__display_name", "pk"),
        show_status=manages,
    )
    page = Paginator(filterset.qs, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    pending = visible.pending_verification().order_by("joined_at", "pk") if manages else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "mesa/secretariat/member_list.html", _context(
        request, table,
        filter=filterset,
        page_obj=page,
        pending=pending,
        manages=manages,
        filter_query=query.urlencode(),
    ))


@login_required
def member_invite(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_members)
    form = InvitationForm(request.POST or None, table=table)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                table=table, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect("mesa:member-invite", slug=table.slug)
    open_invitations = (
        Invitation.objects.filter(table=table, accepted_at__isnull=True,
                                  expires_at__gt=timezone.now())
        .select_related("invited_by", "institution", "organisation")
        .order_by("expires_at", "pk")
    )
    return render(request, "mesa/secretariat/member_invite.html", _context(
        request, table, form=form, open_invitations=open_invitations,
    ))


def _render_member_detail(request, table: Table, membership: Membership, *, role_form=None,
                          refuse_form=None, remove_form=None):
    changes = membership.changes.select_related("actor")
    # A form whose section is not on the page (the person left, or nothing is
    # pending any more) shows its errors as messages instead.
    for form, shown in ((role_form, membership.is_active),
                        (refuse_form, membership.is_pending_verification),
                        (remove_form, membership.is_active)):
        if form is not None and not shown:
            for error in form.non_field_errors():
                messages.error(request, error)
    return render(request, "mesa/secretariat/member_detail.html", _context(
        request, table,
        membership=membership,
        changes=changes,
        role_form=role_form or RoleChangeForm(membership=membership, prefix="role"),
        refuse_form=refuse_form or RefuseVerificationForm(prefix="refuse"),
        remove_form=remove_form or RemoveMemberForm(prefix="remove"),
    ))


@login_required
def member_detail(request, slug: str, pk: int):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_members)
    membership = _member_of_table(table, pk)
    return _render_member_detail(request, table, membership)


def _member_action(request, slug: str, pk: int) -> tuple[Table, Membership]:
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_members)
    return table, _member_of_table(table, pk)


def _detail_url(table: Table, membership: Membership) -> str:
    return reverse("mesa:member-detail", kwargs={"slug": table.slug, "pk": membership.pk})


@login_required
@require_POST
def member_role(request, slug: str, pk: int):
    table, membership = _member_action(request, slug, pk)
    form = RoleChangeForm(request.POST, membership=membership, prefix="role")
    if form.is_valid():
        try:
            services.membership_change_role(membership=membership, actor=request.user,
                                            **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The role of %(name)s was changed.")
                             % {"name": membership.user.display_name})
            return _back(request, _detail_url(table, membership))
    return _render_member_detail(request, table, membership, role_form=form)


@login_required
@require_POST
def member_verify(request, slug: str, pk: int):
    table, membership = _member_action(request, slug, pk)
    try:
        services.membership_verify(membership=membership, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s is now verified.")
                         % {"name": membership.user.display_name})
    return _back(request, _detail_url(table, membership))


@login_required
@require_POST
def member_refuse(request, slug: str, pk: int):
    table, membership = _member_action(request, slug, pk)
    form = RefuseVerificationForm(request.POST, prefix="refuse")
    if form.is_valid():
        try:
            services.membership_refuse_verification(membership=membership, actor=request.user,
                                                    note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The claim of %(name)s was refused; they stay as a "
                                        "citizen.") % {"name": membership.user.display_name})
            return _back(request, _detail_url(table, membership))
    return _render_member_detail(request, table, membership, refuse_form=form)


@login_required
@require_POST
def member_remove(request, slug: str, pk: int):
    table, membership = _member_action(request, slug, pk)
    form = RemoveMemberForm(request.POST, prefix="remove")
    if form.is_valid():
        try:
            services.membership_end(membership=membership, actor=request.user,
                                    note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(name)s was removed from the table. Their record is "
                                        "kept.") % {"name": membership.user.display_name})
            # The record stays, so the detail page still shows it (now with its leaving date).
            return _back(request, _detail_url(table, membership))
    return _render_member_detail(request, table, membership, remove_form=form)


# --- Institutions and organisations ---------------------------------------------------------


def institution_list(request, slug: str):
    """Public where the table's content is: anyone at a public table, members otherwise."""
    table = get_object_or_404(Table, slug=slug)
    if not permissions.can_view_table_content(request.user, table):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    manages = permissions.can_manage_institutions(request.user, table)
    institutions = Institution.objects.filter(table=table).order_by("name", "pk")
    organisations = Organisation.objects.filter(table=table).order_by("name", "pk")
    if not manages:  # deactivated ones stay in the records, not in the public list
        institutions = institutions.filter(is_active=True)
        organisations = organisations.filter(is_active=True)
    by_level = {level: [] for level in GovernmentLevel.values}
    for institution in institutions:
        by_level[institution.level].append(institution)
    by_kind = {kind: [] for kind in OrganisationKind.values}
    for organisation in organisations:
        by_kind[organisation.kind].append(organisation)
    return render(request, "mesa/secretariat/institution_list.html", _context(
        request, table,
        manages=manages,
        institution_groups=[(GovernmentLevel(level).label, items)
                            for level, items in by_level.items() if items],
        organisation_groups=[(OrganisationKind(kind).label, items)
                             for kind, items in by_kind.items() if items],
    ))


def _save_affiliation(request, table: Table, form, save, saved_message: str):
    """Validate `form` and save its instance with `save` (a service); or None on errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(form.save(commit=False))
    except ValidationError as error:
        add_service_error(form, error)
        return None
    messages.success(request, saved_message)
    return redirect("mesa:institution-list", slug=table.slug)


def _institution_page(request, table: Table, institution: Institution):
    form = InstitutionForm(request.POST or None, instance=institution)
    done = _save_affiliation(
        request, table, form,
        lambda instance: services.institution_save(institution=instance),
        _("The institution was saved."),
    )
    title = _("Add an institution") if institution.pk is None else _("Edit the institution")
    return done or render(request, "mesa/secretariat/affiliation_form.html", _context(
        request, table, form=form, title=title,
    ))


def _organisation_page(request, table: Table, organisation: Organisation):
    form = OrganisationForm(request.POST or None, instance=organisation)
    done = _save_affiliation(
        request, table, form,
        lambda instance: services.organisation_save(organisation=instance),
        _("The organisation was saved."),
    )
    title = _("Add an organisation") if organisation.pk is None else _("Edit the organisation")
    return done or render(request, "mesa/secretariat/affiliation_form.html", _context(
        request, table, form=form, title=title,
    ))


@login_required
def institution_create(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_institutions)
    return _institution_page(request, table, Institution(table=table))


@login_required
def institution_edit(request, slug: str, pk: int):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_institutions)
    return _institution_page(request, table, get_object_or_404(Institution, pk=pk, table=table))


@login_required
def organisation_create(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_institutions)
    return _organisation_page(request, table, Organisation(table=table))


@login_required
def organisation_edit(request, slug: str, pk: int):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_manage_institutions)
    return _organisation_page(request, table, get_object_or_404(Organisation, pk=pk, table=table))


# --- Table settings --------------------------------------------------------------------


@login_required
def table_settings(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug, permissions.can_change_table)
    # The form works on a copy, so a rejected name never shows up in the page's header.
    form = TableSettingsForm(request.POST or None, instance=copy.copy(table))
    if request.method == "POST" and form.is_valid():
        try:
            services.table_update(table=table, **form.cleaned_data)
        except ValidationError as error:
            table.refresh_from_db()
            add_service_error(form, error)
        else:
            messages.success(request, _("The table's settings were saved."))
            return redirect("mesa:table-settings", slug=table.slug)
    return render(request, "mesa/secretariat/table_settings.html", _context(
        request, table, form=form,
    ))
