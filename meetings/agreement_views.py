"""Agreement pages: record one at a session, list and read them, withdraw one.

Agreements are the table's memory: there is no page to edit or delete one
(the database refuses both anyway). Views are thin: find the session or
agreement through meetings.permissions (404 for anyone who may not see it),
ask the rule (403), call one service, redirect with a message. Times are shown
in the table's time zone.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from commitments import permissions as commitment_permissions
from concerns.models import Concern
from meetings import permissions, services
from meetings.agreement_forms import AgreementFilterForm, AgreementForm, AgreementWithdrawForm
from meetings.models import Agreement, Proposal
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from mesa.models import GovernmentLevel, Institution

PAGE_SIZE = 25


def _render(request, template: str, table, context: dict):
    """Render with the table's zone as the current one, so |date shows local time."""
    with timezone.override(table.zone):
        return render(request, template, {"table": table, **context})


def _blocked(session) -> str | None:
    """Why no agreement can be recorded now, in the words agreement_record refuses with."""
    if session.is_cancelled:
        return _("This session was cancelled.")
    if not session.has_started:
        return _("Agreements are recorded once the session has started.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request, table_slug: str, pk: int):
    session = permissions.get_session_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_organise(request.user, session))
    table = session.table
    form = AgreementForm(request.POST if request.method == "POST" else None, session=session,
                         user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.agreement_record(
                session=session, actor=request.user, text=data["text"], concerns=data["all_concerns"],
                proposals=data["proposals"], responsible_institutions=data["responsible_institutions"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Agreement %(code)s was recorded.") % {"code": agreement.code})
            return redirect(agreement)
    return _render(request, "meetings/agreement_form.html", table, {
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "session": session,
        "form": form,
        "blocked": _blocked(session),
    })


@require_safe
def agreement_list(request, table_slug: str):
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug, mesa_permissions.can_view_table_content)
    form = AgreementFilterForm(request.GET, table=table)
    agreements = Agreement.objects.visible_to(user).filter(table=table)
    if institution := form.value("institution"):
        agreements = agreements.filter(responsible_institutions=institution)
    status = form.value("status")
    if status == AgreementFilterForm.STATUS_IN_FORCE:
        agreements = agreements.in_force()
    elif status == AgreementFilterForm.STATUS_WITHDRAWN:
        agreements = agreements.filter(withdrawn_at__isnull=False)
    agreements = agreements.with_list_data().order_by("-session__starts_at", "-session_id", "number")
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "meetings/agreement_list.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "page": page,
        "filtered": bool(form.value("institution") or status),
    })


def _by_level(institutions) -> list[tuple[str, list[Institution]]]:
    """Institutions grouped by government level, federal first, each group by name."""
    groups = []
    for level in GovernmentLevel:
        members = sorted((i for i in institutions if i.level == level), key=lambda i: i.name)
        if members:
            groups.append((level.label, members))
    return groups


# pghistory's event labels; the template words them ("Recorded", "Changed").
HISTORY_LABELS = {"insert": "created", "update": "changed"}


@require_safe
def agreement_detail(request, table_slug: str, pk: int):
    user = request.user
    agreement = permissions.get_agreement_for_user(user, table_slug, pk)
    table = agreement.table
    table_perms = mesa_permissions.table_permissions(user, table)
    # Only what this person may read: a restricted or hidden concern's title never shows here.
    concerns = list(Concern.objects.visible_to(user).filter(agreements=agreement)
                    .select_related("table").order_by("pk"))
    proposals = list(Proposal.objects.visible_to(user).filter(agreements=agreement)
                     .select_related("table", "subcommittee").order_by("pk"))
    history = list(agreement.events.order_by("pgh_created_at", "pgh_id"))
    for event in history:
        event.kind = HISTORY_LABELS.get(event.pgh_label, event.pgh_label)
    names = {}
    if table_perms.is_member:  # who recorded and withdrew it: names for members, like officials'
        people = [agreement.recorded_by_id, agreement.withdrawn_by_id]
        names = dict(User.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "display_name"))
    # Its commitments, with overdue worked out now in the table's zone (never stored).
    commitments = list(agreement.commitments.with_overdue(timezone.now())
                       .select_related("table", "institution").order_by("number"))
    return _render(request, "meetings/agreement_detail.html", table, {
        "table_perms": table_perms,
        "agreement": agreement,
        "commitments": commitments,
        "can_record_commitment": (not agreement.is_withdrawn
                                  and commitment_permissions.can_record(user, agreement)),
        "session": agreement.session,
        "concerns": concerns,
        "proposals": proposals,
        "institution_groups": _by_level(agreement.responsible_institutions.all()),
        "recorded_by": names.get(agreement.recorded_by_id),
        "withdrawn_by": names.get(agreement.withdrawn_by_id),
        "history": history,
        "can_withdraw": (not agreement.is_withdrawn
                         and permissions.can_withdraw_agreement(user, agreement)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def agreement_withdraw(request, table_slug: str, pk: int):
    agreement = permissions.get_agreement_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_withdraw_agreement(request.user, agreement))
    form = AgreementWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_withdraw(agreement=agreement, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Agreement %(code)s was withdrawn. Its text stays on record.")
                             % {"code": agreement.code})
            return redirect(agreement)
    return _render(request, "meetings/agreement_withdraw.html", agreement.table, {
        "agreement": agreement,
        "form": form,
        # The words agreement_withdraw refuses with.
        "blocked": _("This agreement was already withdrawn.") if agreement.is_withdrawn else None,
    })

