"""Coordinators' and the secretariat's work on concerns; officials' answers; ratings; colonias.

Every action is a POST (GET is a 405). Each one finds the concern through
concerns.permissions.get_concern_for_user (a 404 for anyone who may not read
it), asks concerns.permissions whether this person may act (403 otherwise),
calls one service and returns to the concern (POST-redirect-GET) with a
message. When the input or the service refuses, nothing is saved and the form
comes back on a page of its own with its errors and what was typed.
"""

import copy
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from concerns import evidence as concern_evidence
from concerns import permissions, services
from concerns.models import DESCRIPTION_MAX_LENGTH, Answer, Colonia, Concern, Evidence, Reply
from concerns.triage_forms import (
    AnswerForm,
    ColoniaForm,
    ConcernAssignForm,
    ConcernDuplicateForm,
    ConcernHideForm,
    ConcernRerouteForm,
    ConcernStatusForm,
    RatingForm,
)
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from mesa.models import Institution, Table
from subcommittees import permissions as subcommittee_permissions

# Concerns being worked on: accepted and not yet resolved, partly resolved or closed.
# Each triage section lists at most this many (oldest first) and counts them all.
TRIAGE_SECTION_LIMIT = 50
COLONIAS_PER_PAGE = 100


# --- The triage page ----------------------------------------------------------------------


@login_required
@require_safe
def triage(request, table_slug: str):
    table = get_object_or_404(Table, slug=table_slug)
    subcommittees = subcommittee_permissions.subcommittees_triaged_by(request.user, table)
    if not subcommittees:
        raise PermissionDenied
    chosen = None
    slug = request.GET.get("subcommittee", "")
    if slug:
        chosen = next((s for s in subcommittees if s.slug == slug), None)
        if chosen is None:
            raise Http404
    in_scope = [chosen] if chosen else subcommittees
    concerns = (
        Concern.objects.visible_to(request.user)
        .filter(table=table, subcommittee__in=in_scope)
        .select_related("subcommittee", "reporter")
    )
    reporters = permissions.reporter_visibility_for(request.user)
    if reporters.official_institution_ids:  # only then does can_see() read the accused institutions
        concerns = concerns.prefetch_related("accused_institutions")
    unanswered_before = timezone.now() - timedelta(days=table.unanswered_after_days)
    new = concerns.awaiting_triage()
    unassigned = concerns.unassigned()
    unanswered = concerns.unanswered_since(unanswered_before)
    unanswered = unanswered.prefetch_related(
        Prefetch("assigned_institutions", queryset=Institution.objects.order_by("name", "pk"))
    )
    sections = []
    for key, queryset in (("new", new), ("unassigned", unassigned), ("unanswered", unanswered)):
        rows = [{"concern": concern, "reporter_name": reporters.reporter_name(concern)}
                for concern in queryset[:TRIAGE_SECTION_LIMIT]]
        count = len(rows) if len(rows) < TRIAGE_SECTION_LIMIT else queryset.count()
        sections.append({"key": key, "rows": rows, "count": count})
    return render(request, "concerns/triage.html", {
        "table": table,
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "subcommittees": subcommittees,
        "chosen": chosen,
        "sections": sections,
        "limit": TRIAGE_SECTION_LIMIT,
        "unanswered_after_days": table.unanswered_after_days,
    })


# --- Acting on one concern -------------------------------------------------------------------


def _concern_to_triage(request, table_slug: str, pk: int) -> Concern:
    concern = permissions.get_concern_for_user(request.user, table_slug, pk)
    if not permissions.can_triage(request.user, concern):
        raise PermissionDenied
    return concern


def _act(request, concern: Concern, form, action, *, title: str, submit_label: str,
         done, answer: Answer | None = None):
    """Validate `form`, run `action(cleaned_data)` (one service), then say `done(result)` and
    go back to the concern; or show the form again with its errors (nothing saved)."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done(result))
            return redirect(_after(request, concern))
    return render(request, "concerns/triage_action.html", {
        "table": concern.table,
        "concern": concern,
        "answer": answer,
        "form": form,
        "title": title,
        "submit_label": submit_label,
        "action_url": request.path,
    })


def _after(request, concern: Concern) -> str:
    """Back to the concern, or to the triage page if this person no longer sees it
    (e.g. a coordinator who sent a hidden concern to another subcommittee)."""
    permissions.forget_readers(concern)  # read before the change
    if permissions.can_view(request.user, concern):
        return concern.get_absolute_url()
    return reverse("concerns:triage", kwargs={"table_slug": concern.table.slug})


@require_POST
@login_required
def concern_status(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    form = ConcernStatusForm(request.POST, concern=concern, prefix="status")
    return _act(
        request, concern, form,
        lambda data: services.concern_set_status(concern=concern, status=data["status"],
                                                 actor=request.user, reason=data["reason"]),
        title=_("Change the status"), submit_label=_("Change the status"),
        done=lambda changed: _("The concern is now “%(status)s”.")
        % {"status": changed.get_status_display()},
    )


@require_POST
@login_required
def concern_reroute(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    form = ConcernRerouteForm(request.POST, concern=concern, prefix="reroute")
    return _act(
        request, concern, form,
        lambda data: services.concern_reroute(concern=concern, subcommittee=data["subcommittee"],
                                              actor=request.user, reason=data["reason"]),
        title=_("Send it to another subcommittee"), submit_label=_("Send it"),
        done=lambda changed: _("The concern was sent to the subcommittee %(name)s.")
        % {"name": changed.subcommittee.name},
    )


@require_POST
@login_required
def concern_assign(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    form = ConcernAssignForm(request.POST, concern=concern, prefix="assign")

    def assign(data):
        services.concern_assign(concern=concern, institutions=data["institutions"],
                                actor=request.user)
        return data["institutions"]

    return _act(
        request, concern, form, assign,
        title=_("Ask institutions to answer"), submit_label=_("Ask them to answer"),
        done=lambda institutions: _("Asked to answer: %(names)s.")
        % {"names": "; ".join(str(i) for i in institutions)},
    )


@require_POST
@login_required
def concern_duplicate(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    form = ConcernDuplicateForm(request.POST, prefix="duplicate")

    def mark(data):
        # Only a concern this person may read; any other number gets the same answer as
        # one that does not exist. The service decides about the rest (same table, not itself).
        original = Concern.objects.visible_to(request.user).filter(pk=data["original"]).first()
        if original is None:
            raise ValidationError({"original": _("There is no concern with this number.")})
        return services.concern_mark_duplicate(concern=concern, original=original,
                                               actor=request.user)

    return _act(
        request, concern, form, mark,
        title=_("Mark as a duplicate"), submit_label=_("Mark as a duplicate"),
        done=lambda changed: _("The concern was marked as a duplicate of concern number "
                               "%(number)s; its supporters and followers were moved there.")
        % {"number": changed.duplicate_of_id},
    )


@require_POST
@login_required
def concern_hide(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    form = ConcernHideForm(request.POST, prefix="hide")
    return _act(
        request, concern, form,
        lambda data: services.concern_hide(concern=concern, actor=request.user,
                                           reason=data["reason"]),
        title=_("Hide the concern"), submit_label=_("Hide it"),
        done=lambda _changed: _("The concern is hidden. The secretariat still sees it."),
    )


@require_POST
@login_required
def concern_unhide(request, table_slug: str, pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    if not concern.is_hidden:  # a second click: nothing to do, and no event on the timeline
        # (concerns.services.concern_unhide should refuse this itself; then this goes.)
        messages.error(request, _("The concern is not hidden."))
        return redirect(_after(request, concern))
    try:
        services.concern_unhide(concern=concern, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The concern is shown again."))
    return redirect(_after(request, concern))


# --- Hiding evidence and replies -------------------------------------------------------------
# One button per item on the concern page: no page of their own. A refusal (no reason,
# already hidden) comes back as an error message on the concern page; nothing is saved.


def _finish(request, concern: Concern, action, done: str):
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(_after(request, concern))


def _reason(request) -> str:
    return request.POST.get("reason", "")[:DESCRIPTION_MAX_LENGTH]


@require_POST
@login_required
def evidence_hide(request, table_slug: str, pk: int, evidence_pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, concern=concern)
    if evidence.is_hidden:
        messages.error(request, _("The file is already hidden."))
        return redirect(_after(request, concern))
    return _finish(
        request, concern,
        lambda: concern_evidence.evidence_hide(evidence=evidence, reason=_reason(request),
                                               actor=request.user),
        _("The file is hidden. The secretariat and the subcommittee's coordinators still see it."),
    )


@require_POST
@login_required
def evidence_unhide(request, table_slug: str, pk: int, evidence_pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, concern=concern)
    if not evidence.is_hidden:
        messages.error(request, _("The file is not hidden."))
        return redirect(_after(request, concern))
    return _finish(request, concern,
                   lambda: concern_evidence.evidence_unhide(evidence=evidence, actor=request.user),
                   _("The file is shown again."))


@require_POST
@login_required
def reply_hide(request, table_slug: str, pk: int, reply_pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    reply = get_object_or_404(Reply, pk=reply_pk, concern=concern)
    return _finish(
        request, concern,
        lambda: services.reply_hide(reply=reply, actor=request.user, reason=_reason(request)),
        _("The reply is hidden. The secretariat and the subcommittee's coordinators still see it."),
    )


@require_POST
@login_required
def reply_unhide(request, table_slug: str, pk: int, reply_pk: int):
    concern = _concern_to_triage(request, table_slug, pk)
    reply = get_object_or_404(Reply, pk=reply_pk, concern=concern)
    return _finish(request, concern,
                   lambda: services.reply_unhide(reply=reply, actor=request.user),
                   _("The reply is shown again."))


# --- Official answers and ratings --------------------------------------------------------------


@require_POST
@login_required
def concern_answer(request, table_slug: str, pk: int):
    concern = permissions.get_concern_for_user(request.user, table_slug, pk)
    institution_ids = permissions.answerable_institution_ids(request.user, concern)
    if not institution_ids:
        raise PermissionDenied
    form = AnswerForm(request.POST, institution_ids=institution_ids, prefix="answer")
    return _act(
        request, concern, form,
        lambda data: services.answer_post(concern=concern, institution=data["institution"],
                                          author=request.user, text=data["text"]),
        title=_("Post the official answer"), submit_label=_("Publish the answer"),
        done=lambda answer: _("The answer of %(institution)s was published.")
        % {"institution": answer.institution},
    )


@require_POST
@login_required
def answer_rate(request, table_slug: str, answer_pk: int):
    # An answer of a concern this person may read, at this table; anything else is a 404.
    answer = get_object_or_404(
        Answer.objects.select_related("concern__table", "institution"),
        pk=answer_pk, concern__table__slug=table_slug,
        concern__in=Concern.objects.visible_to(request.user),
    )
    if not permissions.can_rate(request.user, answer):
        raise PermissionDenied
    form = RatingForm(request.POST)
    return _act(
        request, answer.concern, form,
        lambda data: services.rating_set(answer=answer, user=request.user, score=data["score"],
                                         comment=data["comment"]),
        title=_("Rate the answer"), submit_label=_("Save your rating"),
        done=lambda _rating: _("Your rating was saved. You can change it at any time."),
        answer=answer,
    )


# --- Colonias ------------------------------------------------------------------------------------


def _colonia_of_table(table: Table, value) -> Colonia:
    """A colonia of *this* table named by a form value; anything else is a 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(Colonia, pk=pk, table=table)


COLONIA_DONE = {
    "add": gettext_lazy("The colonia %(name)s was added."),
    "rename": gettext_lazy("The colonia is now called %(name)s."),
    "deactivate": gettext_lazy("The colonia %(name)s is no longer offered. Concerns in it keep it."),
    "activate": gettext_lazy("The colonia %(name)s is offered again."),
}


@login_required
@require_http_methods(["GET", "POST"])
def colonia_list(request, table_slug: str):
    """The secretariat's list of the table's colonias: add, rename, deactivate, never delete."""
    table = mesa_permissions.get_table_for_user(request.user, table_slug,
                                                mesa_permissions.can_manage_institutions)
    add_form = ColoniaForm(table=table, prefix="add")
    editing = rename_form = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in COLONIA_DONE:
            raise Http404
        if action in ("deactivate", "activate"):  # no input: the button is the whole form
            colonia = _colonia_of_table(table, request.POST.get("colonia"))
            colonia.is_active = action == "activate"
            try:
                services.colonia_save(colonia=colonia)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, COLONIA_DONE[action] % {"name": colonia.name})
            return redirect("concerns:colonia-list", table_slug=table.slug)
        if action == "add":
            colonia = Colonia(table=table)
            form = add_form = ColoniaForm(request.POST, table=table, prefix="add")
        else:
            editing = _colonia_of_table(table, request.POST.get("colonia"))
            colonia = copy.copy(editing)  # a refused name never shows as the colonia's own
            form = rename_form = ColoniaForm(request.POST, table=table, colonia=editing,
                                             prefix="rename")
        if form.is_valid():
            colonia.name = form.cleaned_data["name"]
            try:
                services.colonia_save(colonia=colonia)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, COLONIA_DONE[action] % {"name": colonia.name})
                return redirect("concerns:colonia-list", table_slug=table.slug)
    elif request.GET.get("edit"):
        editing = _colonia_of_table(table, request.GET["edit"])
        rename_form = ColoniaForm(table=table, colonia=editing, prefix="rename",
                                  initial={"name": editing.name})
    query = request.GET.get("q", "").strip()[:150]
    colonias = Colonia.objects.filter(table=table).order_by("name", "pk")
    if query:
        colonias = colonias.filter(name__icontains=query)
    page = Paginator(colonias, COLONIAS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "concerns/colonia_list.html", {
        "table": table,
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "add_form": add_form,
        "rename_form": rename_form,
        "editing": editing,
        "page_obj": page,
        "query": query,
    })
