"""Proposal pages: list, draft, read, edit a draft, submit it to a plenary, decide on it.

Views are thin: find the proposal through meetings.permissions (404 for anyone
who may not see it, e.g. someone else's draft), ask the rule (403), call one
service, redirect with a message. Refusals of the services (a quantity without
a unit, a submitted proposal that cannot change) come back on the form.
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
from concerns.models import Concern
from meetings import permissions, services
from meetings.models import Agreement, Proposal, ProposalStatus
from meetings.proposal_forms import ProposalDecideForm, ProposalFilterForm, ProposalForm, ProposalSubmitForm
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from subcommittees import permissions as subcommittee_permissions

PAGE_SIZE = 25
DECIDABLE = (ProposalStatus.SUBMITTED, ProposalStatus.DISCUSSED)


def _render(request, template: str, table, context: dict):
    """Render with the table's zone as the current one, so |date shows local time."""
    with timezone.override(table.zone):
        return render(request, template, {"table": table, **context})


def _draftable_subcommittees(user, table) -> list:
    """Active subcommittees whose proposals `user` may draft (can_draft_proposal's rule):
    the ones they coordinate, all of them for the secretariat."""
    if not user.is_authenticated:
        return []
    return [s for s in subcommittee_permissions.subcommittees_triaged_by(user, table) if not s.is_archived]


def _posted(request):
    return request.POST if request.method == "POST" else None


@require_safe
def proposal_list(request, table_slug: str):
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug, mesa_permissions.can_view_table_content)
    form = ProposalFilterForm(request.GET, table=table)
    proposals = Proposal.objects.visible_to(user).filter(table=table)
    if status := form.value("status"):
        proposals = proposals.filter(status=status)
    if subcommittee := form.value("subcommittee"):
        proposals = proposals.filter(subcommittee=subcommittee)
    page = Paginator(proposals.with_list_data().order_by("-created_at", "-pk"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "meetings/proposal_list.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "page": page,
        "filtered": bool(status or subcommittee),
        "can_draft": bool(_draftable_subcommittees(user, table)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, table_slug: str):
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug)
    subcommittees = _draftable_subcommittees(user, table)
    permissions.require(bool(subcommittees))
    initial = {}
    if slug := request.GET.get("subcommittee"):
        initial["subcommittee"] = next((s.pk for s in subcommittees if s.slug == slug), None)
    form = ProposalForm(_posted(request), table=table, user=user, subcommittees=subcommittees,
                        initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        permissions.require(permissions.can_draft_proposal(user, data["subcommittee"]))
        try:
            proposal = services.proposal_create(
                subcommittee=data["subcommittee"], actor=user, title=data["title"], request=data["request"],
                concerns=data["all_concerns"], institution=data["institution"], quantity=data["quantity"],
                unit=data["unit"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your proposal was saved as a draft. Submit it to a plenary "
                                        "when it is ready."))
            return redirect(proposal)
    return _render(request, "meetings/proposal_form.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "proposal": None,
    })


@require_safe
def proposal_detail(request, table_slug: str, pk: int):
    user = request.user
    proposal = permissions.get_proposal_for_user(user, table_slug, pk)
    table = proposal.table
    table_perms = mesa_permissions.table_permissions(user, table)
    can_edit = user.is_authenticated and proposal.is_draft and permissions.can_edit_proposal(user, proposal)
    can_decide = (user.is_authenticated and proposal.status in DECIDABLE
                  and permissions.can_decide_proposal(user, proposal))
    drafted_by = None
    if table_perms.is_member:  # names for members, like officials' on concerns
        drafted_by = User.objects.filter(pk=proposal.drafted_by_id).values_list("display_name",
                                                                                flat=True).first()
    return _render(request, "meetings/proposal_detail.html", table, {
        "table_perms": table_perms,
        "proposal": proposal,
        # Only what this person may read: a restricted or hidden concern's title never shows here.
        "concerns": list(Concern.objects.visible_to(user).filter(proposals=proposal)
                         .select_related("table").order_by("-created_at", "-pk")),
        "agreements": list(Agreement.objects.visible_to(user).filter(proposals=proposal)
                           .select_related("table", "session").order_by("created_at", "pk")),
        "drafted_by": drafted_by,
        "can_edit": can_edit,
        "submit_form": ProposalSubmitForm(table=table, auto_id="submit_%s") if can_edit else None,
        "can_decide": can_decide,
        "decide_form": ProposalDecideForm(auto_id="decide_%s") if can_decide else None,
    })


def _proposal_to_edit(request, table_slug: str, pk: int) -> Proposal:
    proposal = permissions.get_proposal_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_edit_proposal(request.user, proposal))
    return proposal


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, table_slug: str, pk: int):
    user = request.user
    proposal = _proposal_to_edit(request, table_slug, pk)
    table = proposal.table
    current = list(proposal.concerns.all())
    form = ProposalForm(_posted(request), table=table, user=user, proposal=proposal, initial={
        "title": proposal.title, "request": proposal.request, "institution": proposal.institution_id,
        "quantity": proposal.quantity, "unit": proposal.unit, "concerns": [c.pk for c in current],
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Concerns linked before that this editor may not read are kept: they cannot untick them.
        readable = set(form.fields["concerns"].queryset.values_list("pk", flat=True))
        kept = [c for c in current if c.pk not in readable]
        try:
            services.proposal_update(
                proposal=proposal, title=data["title"], request=data["request"],
                concerns=[*data["all_concerns"], *kept], institution=data["institution"],
                quantity=data["quantity"], unit=data["unit"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect(proposal)
    return _render(request, "meetings/proposal_form.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "proposal": proposal,
        # The words proposal_update refuses with.
        "blocked": None if proposal.is_draft else _("A submitted proposal cannot change."),
    })


@login_required
@require_http_methods(["GET", "POST"])
def proposal_submit(request, table_slug: str, pk: int):
    proposal = _proposal_to_edit(request, table_slug, pk)
    table = proposal.table
    form = ProposalSubmitForm(_posted(request), table=table, auto_id="submit_%s")
    if request.method == "POST" and form.is_valid():
        session = form.cleaned_data["session"]
        try:
            services.proposal_submit(proposal=proposal, session=session)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The proposal was submitted to plenary %(code)s.")
                             % {"code": session.code})
            return redirect(proposal)
    return _render(request, "meetings/proposal_action.html", table, {
        "proposal": proposal,
        "form": form,
        "title": _("Submit to a plenary"),
        "submit_label": _("Submit the proposal"),
        # The words proposal_submit refuses with.
        "blocked": None if proposal.is_draft else _("This proposal was already submitted."),
    })


@login_required
@require_http_methods(["GET", "POST"])
def proposal_decide(request, table_slug: str, pk: int):
    proposal = permissions.get_proposal_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_decide_proposal(request.user, proposal))
    form = ProposalDecideForm(_posted(request), auto_id="decide_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_decide(proposal=proposal, status=data["status"], note=data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The decision was recorded: %(status)s.")
                             % {"status": proposal.get_status_display()})
            return redirect(proposal)
    blocked = None
    if proposal.status not in DECIDABLE:
        # The words proposal_decide refuses with.
        blocked = _("Only a submitted proposal can be marked discussed or rejected.")
    return _render(request, "meetings/proposal_action.html", proposal.table, {
        "proposal": proposal,
        "form": form,
        "title": _("Record the plenary's decision"),
        "submit_label": _("Record the decision"),
        "blocked": blocked,
    })
