"""Commitment pages: the list, recording one under an agreement, its page (updates,
reviews, history), keeping it (edit, move the due date, set the status), action
updates, comments on them, delivery reviews, and the evidence files.

Views are thin, like the agreement pages': find the commitment (or agreement)
through the permission helpers (404 for anyone who may not see it), ask the
rule (403), call one service, redirect with a message. Dates and times are
shown in the table's time zone. People's names are shown to the table's
members only; everyone else sees institutions.
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from commitments import permissions, services
from commitments.forms import (
    PENDING,
    CommentForm,
    CommitmentEditForm,
    CommitmentFilterForm,
    CommitmentForm,
    DueDateForm,
    ReviewForm,
    StatusForm,
    UpdateForm,
)
from commitments.models import Commitment, UpdateEvidence, Verdict
from meetings import permissions as meeting_permissions
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from mesa.history import timeline

PAGE_SIZE = 25

# What the commitment's history shows; foreign keys (who changed the status) are shown
# through the event's own "who", and bookkeeping timestamps are left out.
HISTORY_FIELDS = ["description", "due_on", "unit", "requested", "committed", "delivered", "status",
                  "status_reason"]


def _render(request, template: str, table, context: dict):
    """Render with the table's zone as the current one, so |date shows local time."""
    with timezone.override(table.zone):
        return render(request, template, {"table": table, **context})


def _closed_reason(commitment: Commitment) -> str | None:
    """Why a withdrawn commitment takes nothing more, in the words the services refuse with."""
    if commitment.is_withdrawn:
        return _("This commitment was withdrawn; it takes no more changes.")
    return None


def _manageable(request, table_slug: str, pk: int) -> Commitment:
    commitment = permissions.get_commitment_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_manage(request.user, commitment))
    return commitment


# --- The list ----------------------------------------------------------------------------


@require_safe
def commitment_list(request, table_slug: str):
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug, mesa_permissions.can_view_table_content)
    form = CommitmentFilterForm(request.GET, table=table, user=user)
    now = timezone.now()
    commitments = Commitment.objects.visible_to(user).filter(table=table)
    if institution := form.value("institution"):
        commitments = commitments.filter(institution=institution)
    if level := form.value("level"):
        commitments = commitments.filter(institution__level=level)
    if (status := form.value("status")) == PENDING:
        commitments = commitments.pending()
    elif status:
        commitments = commitments.filter(status=status)
    if agreement := form.value("agreement"):
        commitments = commitments.filter(agreement=agreement)
    if form.value("overdue"):
        commitments = commitments.overdue(now)
    commitments = commitments.with_overdue(now).with_list_data().order_by("due_on", "pk")
    page = Paginator(commitments, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "commitments/commitment_list.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "page": page,
        "filtered": form.filtered,
        "can_view_dashboard": permissions.can_view_dashboard(user, table),
    })


# --- Recording and keeping a commitment --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request, table_slug: str, agreement_pk: int):
    agreement = meeting_permissions.get_agreement_for_user(request.user, table_slug, agreement_pk)
    permissions.require(permissions.can_record(request.user, agreement))
    posted = request.method == "POST"
    form = CommitmentForm(request.POST if posted else None, agreement=agreement)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            commitment = services.commitment_record(
                agreement=agreement, actor=request.user, institution=data["institution"],
                co_responsible=data["co_responsible"], responsible_officials=data["responsible_officials"],
                description=data["description"], due_on=data["due_on"], unit=data["unit"],
                requested=data["requested"], committed=data["committed"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Commitment %(code)s was recorded.") % {"code": commitment.code})
            return redirect(commitment)
    return _render(request, "commitments/commitment_form.html", agreement.table, {
        "agreement": agreement,
        "form": form,
        "agreement_date": services.agreement_date(agreement),
        "blocked": _("This agreement was withdrawn; it takes no commitments.") if agreement.is_withdrawn
        else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request, table_slug: str, pk: int):
    commitment = _manageable(request, table_slug, pk)
    posted = request.method == "POST"
    form = CommitmentEditForm.for_commitment(request.POST if posted else None, commitment)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.commitment_update(
                commitment=commitment, actor=request.user, description=data["description"],
                co_responsible=data["co_responsible"], responsible_officials=data["responsible_officials"],
                unit=data["unit"], requested=data["requested"], committed=data["committed"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Commitment %(code)s was changed. Its history keeps what it said "
                                        "before.") % {"code": commitment.code})
            return redirect(commitment)
    return _render(request, "commitments/commitment_form.html", commitment.table, {
        "agreement": commitment.agreement,
        "commitment": commitment,
        "form": form,
        "blocked": _closed_reason(commitment),
    })


@login_required
@require_http_methods(["GET", "POST"])
def commitment_move_due_date(request, table_slug: str, pk: int):
    commitment = _manageable(request, table_slug, pk)
    posted = request.method == "POST"
    form = DueDateForm(request.POST if posted else None, commitment=commitment)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.commitment_move_due_date(
                commitment=commitment, actor=request.user, due_on=data["due_on"], reason=data["reason"],
                agreed_at=data["agreed_at"], agreed_by=data["agreed_by"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The due date of %(code)s moved to %(date)s.")
                             % {"code": commitment.code, "date": change.new_due_on.isoformat()})
            return redirect(commitment)
    blocked = _closed_reason(commitment)
    if blocked is None and commitment.is_closed:
        blocked = _("This commitment is closed; its due date no longer moves.")
    return _render(request, "commitments/commitment_due_date.html", commitment.table, {
        "commitment": commitment,
        "form": form,
        "blocked": blocked,
    })


@login_required
@require_http_methods(["GET", "POST"])
def commitment_set_status(request, table_slug: str, pk: int):
    commitment = _manageable(request, table_slug, pk)
    posted = request.method == "POST"
    form = StatusForm(request.POST if posted else None, commitment=commitment)
    if posted and form.is_valid():
        try:
            changed = services.commitment_set_status(commitment=commitment, actor=request.user,
                                                     status=form.cleaned_data["status"],
                                                     reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Commitment %(code)s is now: %(status)s.")
                             % {"code": commitment.code, "status": changed.get_status_display()})
            return redirect(commitment)
    return _render(request, "commitments/commitment_status.html", commitment.table, {
        "commitment": commitment,
        "form": form,
        "blocked": _closed_reason(commitment),
    })


# --- One commitment ----------------------------------------------------------------------


def _history(commitment: Commitment, events, due_date_changes, updates, names: dict) -> list[dict]:
    """The commitment's own history (old → new of each change) with its due-date moves and
    action updates, oldest first; `who` is a name only when `names` has it (members)."""
    items = [{"kind": "event", "when": entry.event.pgh_created_at, "who": names.get(entry.user_id),
              "entry": entry}
             for entry in timeline(events, fields=HISTORY_FIELDS)]
    items += [{"kind": "due_date", "when": change.created_at, "who": names.get(change.changed_by_id),
               "change": change} for change in due_date_changes]
    items += [{"kind": "update", "when": update.created_at, "who": names.get(update.author_id),
               "update": update} for update in updates]
    order = {"event": 0, "due_date": 1, "update": 2}
    return sorted(items, key=lambda item: (item["when"], order[item["kind"]]))


@require_safe
def commitment_detail(request, table_slug: str, pk: int):
    user = request.user
    commitment = permissions.get_commitment_for_user(user, table_slug, pk)
    table = commitment.table
    commitment.agreement.table = commitment.agreement.session.table = table  # the rules ask for it
    now = timezone.now()
    table_perms = mesa_permissions.table_permissions(user, table)
    show_names = table_perms.is_member

    updates = list(commitment.updates.with_list_data().order_by("created_at", "pk"))
    numbers = {update.pk: number for number, update in enumerate(updates, start=1)}
    corrected_by: dict[int, list[int]] = {}
    for update in updates:
        update.commitment = commitment  # already loaded: no query per update
        update.number = numbers[update.pk]
        if update.corrects_id:
            corrected_by.setdefault(update.corrects_id, []).append(update.number)
    for update in updates:
        update.corrected_by = corrected_by.get(update.pk, [])
        update.corrects_number = numbers.get(update.corrects_id)
    due_date_changes = list(commitment.due_date_changes.select_related("agreed_at")
                            .order_by("created_at", "pk"))
    reviews = list(commitment.reviews.order_by("-updated_at", "-pk"))
    events = list(commitment.events.all())

    # Every name on the page in one query, and only for members.
    names: dict[int, str] = {}
    if show_names:
        people = {commitment.created_by_id, commitment.status_changed_by_id,
                  *(change.changed_by_id for change in due_date_changes),
                  *(review.user_id for review in reviews),
                  *(update.author_id for update in updates)}
        people |= {entry_user for entry_user in (e.pgh_context.get("user") for e in events
                                                 if isinstance(e.pgh_context, dict)) if entry_user}
        names = dict(User.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "display_name"))
    for review in reviews:
        review.who = names.get(review.user_id)
    for change in due_date_changes:
        change.who = names.get(change.changed_by_id)

    can_post_update = permissions.can_post_update(user, commitment)
    can_review = user.is_authenticated and not can_post_update and permissions.can_review(user, commitment)
    # The comment rule depends on the table only: asked once, not once per update.
    can_comment = bool(updates) and permissions.can_comment(user, updates[0])
    if can_comment:
        for update in updates:
            update.comment_form = CommentForm.for_update(update)
    own_review = next((r for r in reviews if r.user_id == user.pk), None) if can_review else None
    review_form = None
    if can_review and commitment.is_open_for_review(now):
        review_form = ReviewForm(initial={"verdict": own_review.verdict, "comment": own_review.comment}
                                 if own_review else None)
    target = commitment.requested or commitment.committed
    return _render(request, "commitments/commitment_detail.html", table, {
        "table_perms": table_perms,
        "commitment": commitment,
        "agreement": commitment.agreement,
        "show_names": show_names,
        "co_responsible": list(commitment.co_responsible.order_by("level", "name")),
        "officials": list(commitment.responsible_officials.order_by("display_name", "pk")) if show_names
        else [],
        "is_overdue": commitment.is_overdue(now),
        "days_overdue": commitment.days_overdue(now),
        "target": target,
        "delivered_percent": round(commitment.delivered_share * 100) if target else None,
        "due_date_changes": due_date_changes,
        "updates": updates,
        "reviews": reviews,
        "confirmed": sum(1 for r in reviews if r.verdict == Verdict.CONFIRMED),
        "disputed": sum(1 for r in reviews if r.verdict == Verdict.DISPUTED),
        "own_review": own_review,
        "review_form": review_form,
        "history": _history(commitment, events, due_date_changes, updates, names),
        "recorded_by": names.get(commitment.created_by_id),
        "status_changed_by": names.get(commitment.status_changed_by_id),
        "can_manage": permissions.can_manage(user, commitment),
        "can_post_update": can_post_update and not commitment.is_withdrawn,
        "can_review": can_review,
        "can_comment": can_comment,
        "can_follow": permissions.can_follow(user, commitment),
        "following": user.is_authenticated and commitment.follows.filter(user=user).exists(),
    })


@login_required
@require_POST
def commitment_follow(request, table_slug: str, pk: int):
    commitment = permissions.get_commitment_for_user(request.user, table_slug, pk)
    following = request.POST.get("action") != "unfollow"
    if following:
        permissions.require(permissions.can_follow(request.user, commitment))
    services.follow_set(commitment=commitment, user=request.user, following=following)
    messages.success(request, _("You follow this commitment: you will hear of each action update.")
                     if following else _("You no longer follow this commitment."))
    return redirect(commitment)


# --- Action updates and comments ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def update_create(request, table_slug: str, pk: int):
    commitment = permissions.get_commitment_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_post_update(request.user, commitment))
    posted = request.method == "POST"
    form = UpdateForm(request.POST if posted else None, request.FILES if posted else None,
                      commitment=commitment)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_post(
                commitment=commitment, actor=request.user, institution=commitment.institution,
                text=data["text"], action_on=data["action_on"],
                delivered_change=data.get("delivered_change") or 0, files=data["evidence"],
                corrects=data.get("corrects"),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your action update was posted."))
            return redirect(commitment)
    return _render(request, "commitments/update_form.html", commitment.table, {
        "commitment": commitment,
        "form": form,
        "blocked": _closed_reason(commitment),
    })


@login_required
@require_POST
def update_comment(request, table_slug: str, pk: int, update_pk: int):
    """Comment on an action update; on a refusal the form comes back with the error."""
    commitment = permissions.get_commitment_for_user(request.user, table_slug, pk)
    update = permissions.get_update_for_user(request.user, commitment, update_pk)
    update.commitment = commitment
    permissions.require(permissions.can_comment(request.user, update))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.update_comment(update=update, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{commitment.get_absolute_url()}#update-{update.pk}")
    return _render(request, "commitments/update_comment.html", commitment.table, {
        "commitment": commitment,
        "update": update,
        "form": form,
    })


# --- Delivery reviews --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delivery_review(request, table_slug: str, pk: int):
    commitment = permissions.get_commitment_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_review(request.user, commitment))
    own = commitment.reviews.filter(user=request.user).first()
    posted = request.method == "POST"
    form = ReviewForm(request.POST if posted else None,
                      initial={"verdict": own.verdict, "comment": own.comment} if own else None)
    if posted and form.is_valid():
        try:
            services.delivery_review(commitment=commitment, user=request.user,
                                     verdict=form.cleaned_data["verdict"],
                                     comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your review of the delivery was saved."))
            return redirect(commitment)
    blocked = None
    if not commitment.is_open_for_review():
        blocked = (_("This commitment was withdrawn: there is no delivery to review.")
                   if commitment.is_withdrawn else
                   _("Deliveries are confirmed or disputed once the due date has come (%(date)s).")
                   % {"date": commitment.due_on.isoformat()})
    return _render(request, "commitments/review_form.html", commitment.table, {
        "commitment": commitment,
        "own_review": own,
        "form": form,
        "blocked": blocked,
    })


# --- Evidence files ----------------------------------------------------------------------


@require_safe
def evidence_file(request, table_slug: str, pk: int):
    """One evidence file of an action update; 404 for anyone who may not see the commitment.

    Photos and audio open in the browser; a PDF is downloaded (the sandbox below keeps a
    PDF viewer out of our origin). The download name says nothing of the original file."""
    evidence = permissions.get_evidence_for_user(request.user, table_slug, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    extension = os.path.splitext(evidence.file.name)[1].lower()
    response = FileResponse(handle, content_type=evidence.content_type,
                            as_attachment=evidence.kind == UpdateEvidence.Kind.PDF,
                            filename=f"evidence-{evidence.pk}{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

