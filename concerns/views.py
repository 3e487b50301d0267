"""Pages to raise, read, search, support and follow concerns; the receipt follow-up.

Views are thin: find the concern through concerns.permissions (404 for anyone
who may not read it), ask the permissions module, call one service, render or
redirect. The reporter's identity is shown only through ReporterVisibility,
computed once per request.

An anonymous reporter leaves no trace: raising an anonymous concern and every
receipt follow-up never touch the session (no session row, no message), and
the receipt code travels only in POST bodies and in responses marked
Cache-Control: no-store.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from concerns import permissions, services
from concerns.evidence import evidence_attach, evidence_context
from concerns.evidence_views import evidence_response
from concerns.forms import (
    ConcernFilterForm,
    ConcernForm,
    ReceiptForm,
    ReceiptRatingForm,
    ReopenForm,
    ReplyForm,
)
from concerns.models import (
    RESOLUTION_STATUSES,
    Concern,
    ConcernAssignment,
    ConcernEvent,
    Evidence,
    Follow,
    Rating,
    Support,
    Visibility,
)
from concerns.triage_forms import SCORE_CHOICES, answer_context, triage_context
from mesa import permissions as mesa_permissions
from mesa import ratelimit
from mesa.counts import CachedCountPaginator
from mesa.forms import add_service_error
from mesa.models import Institution, Organisation

PAGE_SIZE = 20
# Statuses in which the reporter is asked whether the concern was really resolved.
# Timeline steps whose note is worth showing (others carry ids or internal words).
_NOTED_KINDS = frozenset({ConcernEvent.Kind.STATUS, ConcernEvent.Kind.ROUTED, ConcernEvent.Kind.ASSIGNED,
                          ConcernEvent.Kind.ANSWERED, ConcernEvent.Kind.REOPENED})
# Why it was hidden stays with those who moderate and the reporter, even once shown again.
_MODERATION_KINDS = frozenset({ConcernEvent.Kind.HIDDEN})


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page that carries (or may carry) a receipt code must not stay in any cache."""
    response["Cache-Control"] = "no-store"
    return response


def _rate_limited(request, message: str) -> HttpResponse:
    response = render(request, "concerns/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = "3600"
    return _no_store(response)


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_error_message(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- Raising ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def concern_create(request, table_slug: str):
    """Anyone may raise an anonymous concern; members may also raise public and restricted ones."""
    table = mesa_permissions.get_table_for_user(request.user, table_slug)
    visibilities = [v for v in Visibility.values if permissions.can_raise(request.user, table, v)]
    posted = request.method == "POST"
    form = ConcernForm(request.POST if posted else None, request.FILES if posted else None,
                       table=table, visibilities=visibilities)
    if posted and form.is_valid():
        data = dict(form.cleaned_data)
        files = data.pop("evidence", [])
        anonymous = data["visibility"] == Visibility.ANONYMOUS
        # The form offered only what can_raise allows; a forged value never reaches here.
        permissions.require(permissions.can_raise(request.user, table, data["visibility"]))
        if anonymous and not ratelimit.allow(request, "anonymous-concern",
                                             limit=settings.MESA_ANONYMOUS_CONCERNS_PER_HOUR,
                                             window_seconds=3600):
            return _rate_limited(request, _(
                "Many anonymous concerns were raised from your connection in a short time. To keep the "
                "table free of abuse, wait an hour and try again. Your concern was not saved."))
        reporter = None if anonymous else request.user
        try:
            # One transaction: a refused file saves nothing, not even the concern.
            with transaction.atomic():
                concern, code = services.concern_raise(table=table, reporter=reporter, **data)
                evidence_attach(concern=concern, files=files, uploader=reporter)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if anonymous:
                # Shown once, never stored: no redirect (it would need the code in the
                # session or an address), no message, nothing cached.
                return _no_store(render(request, "concerns/concern_receipt.html", {
                    "table": table, "concern": concern, "code": code,
                }))
            messages.success(request, _("Your concern was raised. You will hear about every step here."))
            return redirect(concern)
    return render(request, "concerns/concern_form.html", {
        "table": table,
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "form": form,
        "visibility_choices": [
            (choice, form.visibility_explanations[choice.data["value"]])
            for choice in form["visibility"]
        ] if form.fields["visibility"].choices else [],
        "members_only_offered": len(visibilities) == 1,
    })


# --- Reading ---------------------------------------------------------------------------


@require_safe
def concern_list(request, table_slug: str):
    """The table's concerns that the person may read, by priority or date, filtered and searched."""
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug,
                                                mesa_permissions.can_view_table_content)
    table_perms = mesa_permissions.table_permissions(user, table)
    triage_view = user.is_authenticated and permissions.can_triage_at(user, table)
    form = ConcernFilterForm(request.GET, table=table, members_view=table_perms.is_member,
                             triage_view=triage_view)
    form.is_valid()  # filters that are not valid are left out (and their error is shown)

    if triage_view and form.value("show") == "hidden":
        concerns = Concern.objects.visible_to(user).filter(table=table, hidden_at__isnull=False)
    else:
        concerns = Concern.objects.listed_at(user, table)
    if subcommittee := form.value("subcommittee"):
        concerns = concerns.filter(subcommittee=subcommittee)
    if colonia := form.value("colonia"):
        concerns = concerns.filter(colonia=colonia)
    if status := form.value("status"):
        concerns = concerns.filter(status=status)
    if institution := form.value("institution"):
        # Subqueries rather than joins: a concern both accused and assigned shows once.
        accused = Concern.accused_institutions.through.objects.filter(institution=institution)
        assigned = ConcernAssignment.objects.filter(institution=institution)
        concerns = concerns.filter(Q(pk__in=accused.values("concern_id"))
                                   | Q(pk__in=assigned.values("concern_id")))
    if "visibility" in form.fields and (visibility := form.value("visibility")):
        concerns = concerns.filter(visibility=visibility)
    if text := form.value("q"):
        concerns = concerns.search(text)
    if form.value("order") == ConcernFilterForm.ORDER_NEWEST:
        concerns = concerns.order_by("-created_at", "-pk")
    else:
        concerns = concerns.by_priority()

    page = CachedCountPaginator(concerns.with_list_data(), PAGE_SIZE).get_page(request.GET.get("page"))
    reporters = permissions.reporter_visibility_for(user)
    return render(request, "concerns/concern_list.html", {
        "table": table,
        "table_perms": table_perms,
        "form": form,
        "page": page,
        "rows": [(concern, reporters.reporter_name(concern)) for concern in page.object_list],
        "filtered": any(form.value(name) for name in form.fields if name not in ("order", "show")),
        "showing_hidden": triage_view and form.value("show") == "hidden",
    })


def _timeline(concern: Concern, events, *, who_for_reporter, show_names: bool,
              show_moderation_notes: bool) -> list[dict]:
    """The steps of a concern as the viewer may see them.

    Steps the reporter took say "the reporter" (or their name where
    ReporterVisibility allows it, which `who_for_reporter` carries); other
    people's names are shown only to members (like officials' names).
    """
    rows = []
    for event in events:
        if event.by_reporter:
            who = who_for_reporter
        elif event.actor_id is not None and show_names:
            who = event.actor.display_name
        else:
            who = None
        if event.kind == ConcernEvent.Kind.CONSENT:
            note = (_("The reporter lets the institutions they accuse know who they are.")
                    if event.note == "given"
                    else _("The reporter no longer lets the institutions they accuse know who they are."))
        elif event.kind in _NOTED_KINDS or (event.kind in _MODERATION_KINDS and show_moderation_notes):
            note = event.note
        else:
            note = ""
        rows.append({"event": event, "who": who, "note": note})
    return rows


def _replies_for(concern: Concern, *, sees_hidden: bool) -> list:
    """The replies of `concern`; a hidden one keeps its text only for the reporter and
    those who may triage (the others see that it was hidden, never what it said)."""
    replies = list(concern.replies.all())
    if not sees_hidden:
        for reply in replies:
            if reply.is_hidden:
                reply.text = ""
                reply.hidden_reason = ""
    return replies


@require_safe
def concern_detail(request, table_slug: str, pk: int):
    user = request.user
    concern = permissions.get_concern_for_user(user, table_slug, pk)
    table = concern.table
    table_perms = mesa_permissions.table_permissions(user, table)
    reporters = permissions.reporter_visibility_for(user)
    # ReporterVisibility reads accused_institutions.all(): load them once, in name order.
    prefetch_related_objects([concern], Prefetch("accused_institutions",
                                                 queryset=Institution.objects.order_by("name")))
    accused = list(concern.accused_institutions.all())
    reporter_name = reporters.reporter_name(concern)
    sees_reporter = reporter_name is not None
    is_reporter = permissions.is_reporter(user, concern)
    sees_moderation = is_reporter or permissions.can_triage(user, concern)
    events = concern.events.select_related("actor")
    if not sees_reporter:
        events = events.exclude(kind=ConcernEvent.Kind.CONSENT)
    own_support = None
    following = False
    if user.is_authenticated:
        # Whether they support and follow it, in one query (their support itself only if so).
        support_id, following = (
            Concern.objects.filter(pk=concern.pk)
            .annotate(own_support_id=Subquery(Support.objects.filter(concern=OuterRef("pk"), user=user)
                                              .values("pk")[:1]),
                      following=Exists(Follow.objects.filter(concern=OuterRef("pk"), user=user)))
            .values_list("own_support_id", "following").get())
        if support_id is not None:
            own_support = Support.objects.select_related("organisation").get(pk=support_id)
        permissions.note_support(user, concern, own_support)
    can_support = permissions.can_support(user, concern)
    context = {
        "table": table,
        "table_perms": table_perms,
        "concern": concern,
        "accused": accused,
        "assigned": list(concern.assigned_institutions.order_by("name")),
        "reporter_name": reporter_name,
        "is_reporter": is_reporter,
        "answers": list(concern.answers.select_related("institution", "author")),
        "replies": _replies_for(concern, sees_hidden=sees_moderation),
        "timeline": _timeline(concern, events,
                              who_for_reporter=reporter_name or pgettext("timeline actor", "the reporter"),
                              show_names=table_perms.is_member,
                              show_moderation_notes=sees_moderation),
        # Supporters of restricted and anonymous concerns are never listed, counts only.
        "endorsements": list(
            Organisation.objects.filter(endorsements__concern=concern).distinct().order_by("name")
        ) if concern.visibility == Visibility.PUBLIC else [],
        "own_support": own_support,
        "following": following,
        "can_support": can_support,
        "can_follow": permissions.can_follow(user, concern),
        "endorse_as": permissions.endorsable_organisations(user, table) if can_support else [],
        "show_official_names": table_perms.is_member,
        "duplicate_of_visible": (concern.duplicate_of_id is not None
                                 and permissions.can_view(user, concern.duplicate_of)),
        "awaits_confirmation": concern.status in RESOLUTION_STATUSES,
        "reply_form": ReplyForm(auto_id="reply_%s"),
        "reopen_form": ReopenForm(auto_id="reopen_%s"),
    }
    context.update(triage_context(user, concern))
    context.update(answer_context(user, concern))
    context.update(evidence_context(user, concern))
    context.update(_fed_into(user, concern))
    return render(request, "concerns/concern_detail.html", context)


def _fed_into(user, concern: Concern) -> dict:
    """The proposals and agreements this concern fed, those the person may see: three queries.
    Agreements count both when they name the concern and when they adopted a proposal from it."""
    from meetings.models import Agreement, Proposal  # meetings builds on concerns

    proposals = (Proposal.objects.visible_to(user).filter(concerns=concern)
                 .select_related("session").order_by("-created_at", "-pk"))
    named = Agreement.concerns.through.objects.filter(concern=concern).values_list("agreement_id")
    adopted = (Agreement.proposals.through.objects.filter(proposal__concerns=concern)
               .values_list("agreement_id"))
    # The ids first (a few, by their indexes): an OR of two subqueries would read every agreement.
    fed = [agreement_id for (agreement_id,) in named.union(adopted)]
    agreements = (Agreement.objects.visible_to(user).filter(pk__in=fed)
                  .select_related("session").order_by("-session__starts_at", "-session_id", "number"))
    return {"fed_proposals": list(proposals), "fed_agreements": list(agreements)}


# --- Supporting, following, and the reporter's steps --------------------------------------


@login_required
@require_POST
def concern_support(request, table_slug: str, pk: int):
    """Support (or endorse in an organisation's name) or withdraw the support."""
    concern = permissions.get_concern_for_user(request.user, table_slug, pk)
    if request.POST.get("action") == "withdraw":
        has_support = Support.objects.filter(concern=concern, user=request.user).exists()
        permissions.require(has_support or permissions.can_support(request.user, concern))
        services.support_withdraw(concern=concern, user=request.user)
        messages.success(request, _("You no longer support this concern."))
        return redirect(concern)
    permissions.require(permissions.can_support(request.user, concern))
    organisation = None
    if organisation_id := request.POST.get("organisation", ""):
        organisation = Organisation.objects.filter(
            table=concern.table, pk=int(organisation_id) if organisation_id.isdigit() else 0
        ).first()
        if organisation is None:
            messages.error(request, _("You do not represent this organisation."))
            return redirect(concern)
    try:
        services.support_add(concern=concern, user=request.user, organisation=organisation)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        if organisation is not None:
            messages.success(request, _("%(organisation)s endorses this concern.") % {
                "organisation": organisation.name})
        else:
            messages.success(request, _("You support this concern. You will hear about its progress."))
    return redirect(concern)


@login_required
@require_POST
def concern_follow(request, table_slug: str, pk: int):
    concern = permissions.get_concern_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_follow(request.user, concern))
    following = request.POST.get("action") != "unfollow"
    services.follow_set(concern=concern, user=request.user, following=following)
    messages.success(request, _("You follow this concern: you will hear about every step.") if following
                     else _("You no longer follow this concern."))
    return redirect(concern)


def _reporters_concern(request, table_slug: str, pk: int) -> Concern:
    concern = permissions.get_concern_for_user(request.user, table_slug, pk)
    permissions.require(permissions.is_reporter(request.user, concern))
    return concern


@login_required
@require_POST
def concern_reply(request, table_slug: str, pk: int):
    concern = _reporters_concern(request, table_slug, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_message(form))
        return redirect(concern)
    try:
        services.reply_post(concern=concern, author=request.user, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("Your reply was added."))
    return redirect(concern)


@login_required
@require_POST
def concern_confirm(request, table_slug: str, pk: int):
    concern = _reporters_concern(request, table_slug, pk)
    try:
        services.concern_confirm_resolution(concern=concern, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("Thank you: the concern is recorded as resolved."))
    return redirect(concern)


@login_required
@require_POST
def concern_reopen(request, table_slug: str, pk: int):
    concern = _reporters_concern(request, table_slug, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_message(form))
        return redirect(concern)
    try:
        services.concern_reopen(concern=concern, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("The concern is open again, with your reason."))
    return redirect(concern)


@login_required
@require_POST
def concern_consent(request, table_slug: str, pk: int):
    concern = _reporters_concern(request, table_slug, pk)
    consent = request.POST.get("consent") == "1"
    try:
        services.concern_set_consent(concern=concern, reporter=request.user, consent=consent)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("The institutions you accuse may now know it was you.") if consent
                         else _("The institutions you accuse can no longer know it was you."))
    return redirect(concern)


# --- The receipt follow-up -------------------------------------------------------------


def _receipt_not_found() -> str:
    # The same words for a malformed code, a wrong one and an empty one: no oracle.
    return _("We could not find a concern with this code. Check it and try again.")


def _receipt_step(request, concern: Concern) -> dict:
    """Run the step the receipt holder asked for; return the forms to show and a notice."""
    action = request.POST.get("action", "")
    result: dict = {"notice": "", "errors": []}
    try:
        if action == "reply":
            form = ReplyForm(request.POST, auto_id="reply_%s")
            result["reply_form"] = form
            if form.is_valid():
                services.reply_post(concern=concern, author=None, text=form.cleaned_data["text"])
                result["notice"] = _("Your reply was added.")
                result["reply_form"] = ReplyForm(auto_id="reply_%s")
        elif action == "confirm":
            services.concern_confirm_resolution(concern=concern, actor=None)
            result["notice"] = _("Thank you: the concern is recorded as resolved.")
        elif action == "reopen":
            form = ReopenForm(request.POST, auto_id="reopen_%s")
            result["reopen_form"] = form
            if form.is_valid():
                services.concern_reopen(concern=concern, actor=None, reason=form.cleaned_data["reason"])
                result["notice"] = _("The concern is open again, with your reason.")
                result["reopen_form"] = ReopenForm(auto_id="reopen_%s")
        elif action == "rate":
            form = ReceiptRatingForm(request.POST)
            if form.is_valid():
                answer = concern.answers.filter(pk=form.cleaned_data["answer"]).first()
                if answer is None:
                    result["errors"].append(_("Choose one of the answers to this concern."))
                else:
                    services.rating_set(answer=answer, user=None, score=form.cleaned_data["score"],
                                        comment=form.cleaned_data["comment"])
                    result["notice"] = _("Your rating was saved.")
            else:
                result["errors"].append(_form_error_message(form))
    except ValidationError as error:
        result["errors"].extend(error.messages)
    return result


def _int_or_none(value) -> int | None:
    """A database id from a form, or None (never a number PostgreSQL would refuse)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@require_http_methods(["GET", "POST"])
def receipt_follow_up(request):
    """The anonymous reporter reads and answers their concern with the receipt code.

    The code comes only in POST bodies (the form, and a hidden field in every
    form of the page); nothing is kept between requests; no message, no session.
    """
    if request.method == "GET":
        return _no_store(render(request, "concerns/receipt_form.html", {"form": ReceiptForm()}))
    if not ratelimit.allow(request, "receipt-lookup", limit=settings.MESA_RECEIPT_LOOKUPS_PER_HOUR,
                           window_seconds=3600):
        return _rate_limited(request, _(
            "Many receipt codes were tried from your connection in a short time. Wait an hour and "
            "try again."))
    code = request.POST.get("code", "")[:100]
    concern = services.concern_for_receipt(code) if code.strip() else None
    if concern is None:
        form = ReceiptForm({"code": code})
        form.is_valid()
        form.add_error("code", _receipt_not_found())
        return _no_store(render(request, "concerns/receipt_form.html", {"form": form}))

    if request.POST.get("action") == "evidence":
        # The receipt holder is the reporter: they may open every file of their concern.
        evidence = Evidence.objects.filter(concern=concern, pk=_int_or_none(request.POST.get("evidence")))
        if not evidence.exists():
            raise Http404
        return evidence_response(evidence.get())

    step = _receipt_step(request, concern)
    concern.refresh_from_db()  # what the step changed
    answers = list(concern.answers.select_related("institution"))
    ratings = {r.answer_id: r for r in Rating.objects.filter(answer__in=answers, user__isnull=True)}
    for answer in answers:
        answer.receipt_rating = ratings.get(answer.pk)
    events = concern.events.exclude(kind=ConcernEvent.Kind.CONSENT)
    return _no_store(render(request, "concerns/receipt_concern.html", {
        "concern": concern,
        "table": concern.table,
        "code": code,
        "notice": step["notice"],
        "errors": step["errors"],
        "answers": answers,
        "rating_choices": SCORE_CHOICES,
        "accused": list(concern.accused_institutions.order_by("name")),
        "replies": list(concern.replies.all()),
        "receipt_evidence": list(concern.evidence.all()),
        "timeline": _timeline(concern, events, who_for_reporter=pgettext("timeline actor", "you"),
                              show_names=False, show_moderation_notes=True),
        "awaits_confirmation": concern.status in RESOLUTION_STATUSES,
        "reply_form": step.get("reply_form") or ReplyForm(auto_id="reply_%s"),
        "reopen_form": step.get("reopen_form") or ReopenForm(auto_id="reopen_%s"),
        "duplicate_of_visible": (concern.duplicate_of_id is not None
                                 and permissions.can_view(request.user, concern.duplicate_of)),
    }))

