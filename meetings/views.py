"""Session pages: the upcoming sessions and the archive, scheduling, a session's page
(timeline, agenda, answers, attendance, minutes, agreements, proposals), and the
organisers' pages for the agenda, attendance and minutes.

Views are thin: find the session through meetings.permissions.get_session_for_user
(a 404 for anyone who may not see it), ask meetings.permissions (403), call one
service, and go back to the session with a message (POST-redirect-GET). When the
input or the service refuses, nothing is saved and the form comes back with its
errors. Pages render in the table's time zone, never the server's.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from concerns.models import Concern
from meetings import permissions, selectors, services
from meetings.forms import (
    PLENARY,
    AgendaItemForm,
    AgendaMoveForm,
    AttendanceForm,
    MinutesCorrectionForm,
    MinutesForm,
    RSVPForm,
    SessionCancelForm,
    SessionCreateForm,
    SessionEditForm,
    SessionFilterForm,
    SessionRescheduleForm,
    SessionTimesForm,
)
from meetings.models import RSVP, AgendaItem, Minutes, Proposal, Session, SessionStatus
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error

PAGE_SIZE = 20


def _render(request, template: str, context: dict, *, status: int = 200):
    """Render in the table's time zone: |date and |time show the table's wall clock."""
    with timezone.override(context["table"].zone):
        return render(request, template, context, status=status)


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _session_to_organise(request, table_slug: str, pk: int) -> Session:
    session = permissions.get_session_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_organise(request.user, session))
    return session


def _form_page(request, session: Session, form, *, template: str, title: str, submit_label: str,
               **extra):
    return _render(request, template, {
        "table": session.table,
        "session": session,
        "form": form,
        "title": title,
        "submit_label": submit_label,
        **extra,
    })


# --- Lists ------------------------------------------------------------------------------


def _session_list(request, table_slug: str, *, archive: bool):
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug, mesa_permissions.can_view_table_content)
    subcommittees = list(table.subcommittees.order_by("archived_at", "pk"))
    form = SessionFilterForm(request.GET, subcommittees=subcommittees)
    chosen = form.chosen()
    sessions = Session.objects.visible_to(user).filter(table=table)
    sessions = sessions.past() if archive else sessions.upcoming()
    if chosen == PLENARY:
        sessions = sessions.plenaries()
    elif chosen is not None:
        sessions = sessions.filter(subcommittee=chosen)
    page = Paginator(sessions.with_list_data(), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "meetings/session_list.html", {
        "table": table,
        "table_perms": mesa_permissions.table_permissions(user, table),
        "form": form,
        "chosen_subcommittee": chosen if chosen not in (None, PLENARY) else None,
        "filtered": chosen is not None,
        "page": page,
        "archive": archive,
        "can_schedule": permissions.can_schedule_anything(user, table),
    })


@require_safe
def session_list(request, table_slug: str):
    """Sessions not over yet (cancelled ones too: people need to know), soonest first."""
    return _session_list(request, table_slug, archive=False)


@require_safe
def session_archive(request, table_slug: str):
    """Past sessions, most recent first."""
    return _session_list(request, table_slug, archive=True)


# --- Scheduling and changing a session ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, table_slug: str):
    """The secretariat schedules a plenary or any subcommittee's session; coordinators
    their subcommittees' sessions."""
    user = request.user
    table = mesa_permissions.get_table_for_user(user, table_slug)
    plenary = permissions.can_schedule(user, table, None)
    subcommittees = permissions.schedulable_subcommittees(user, table)
    permissions.require(plenary or bool(subcommittees))
    options = {"table": table, "plenary": plenary, "subcommittees": subcommittees}
    if request.method == "POST":
        form = SessionCreateForm(request.POST, **options)
    else:
        wanted = request.GET.get("subcommittee", "")
        if wanted not in {s.slug for s in subcommittees}:
            wanted = PLENARY if plenary else (subcommittees[0].slug if len(subcommittees) == 1 else "")
        initial = {"subcommittee": wanted}
        if wanted == PLENARY:  # a plenary invites every institution of the table
            initial["invited_institutions"] = list(
                table.institutions.filter(is_active=True).values_list("pk", flat=True))
        form = SessionCreateForm(initial=initial, **options)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        permissions.require(permissions.can_schedule(user, table, data["subcommittee"]))
        try:
            session = services.session_schedule(
                table=table, actor=user, subcommittee=data["subcommittee"], title=data["title"],
                description=data["description"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                place=data["place"], online_url=data["online_url"], is_public=data["is_public"],
                quorum=data["quorum"], invited_institutions=list(data["invited_institutions"]),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The session was scheduled as %(code)s.") % {"code": session.code})
            return redirect(session)
    return _render(request, "meetings/session_form.html", {
        "table": table,
        "form": form,
        "session": None,
        "title": _("Schedule a session"),
        "submit_label": _("Schedule the session"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, table_slug: str, pk: int):
    """Title, description, place, link, openness, quorum and invitations; not the time."""
    session = _session_to_organise(request, table_slug, pk)
    invited_ids = list(session.invited_institutions.values_list("pk", flat=True))
    initial = {
        "title": session.title, "description": session.description, "place": session.place,
        "online_url": session.online_url, "is_public": session.is_public, "quorum": session.quorum,
        "invited_institutions": invited_ids,
    }
    posted = request.method == "POST"
    form = SessionEditForm(request.POST if posted else None, initial=initial, table=session.table,
                           invited_ids=invited_ids)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_update(
                session=session, actor=request.user, title=data["title"], description=data["description"],
                place=data["place"], online_url=data["online_url"], is_public=data["is_public"],
                quorum=data["quorum"], invited_institutions=list(data["invited_institutions"]),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The session's details were saved."))
            return redirect(session)
    return _form_page(request, session, form, template="meetings/session_form.html",
                      title=_("Change the session's details"), submit_label=_("Save the details"))


@login_required
@require_http_methods(["GET", "POST"])
def session_reschedule(request, table_slug: str, pk: int):
    session = _session_to_organise(request, table_slug, pk)
    posted = request.method == "POST"
    form = SessionRescheduleForm(request.POST if posted else None, table=session.table,
                                 initial=SessionTimesForm.initial_times(session))
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_reschedule(session=session, actor=request.user, starts_at=data["starts_at"],
                                        ends_at=data["ends_at"], reason=data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The session was moved. Calendars that follow the table "
                                        "show the new time."))
            return redirect(session)
    return _form_page(request, session, form, template="meetings/session_reschedule.html",
                      title=_("Move the session"), submit_label=_("Move the session"))


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request, table_slug: str, pk: int):
    """A confirmation page with the reason; the session stays, marked cancelled."""
    session = _session_to_organise(request, table_slug, pk)
    posted = request.method == "POST"
    form = SessionCancelForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            services.session_cancel(session=session, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The session was cancelled."))
            return redirect(session)
    return _form_page(request, session, form, template="meetings/session_cancel.html",
                      title=_("Cancel the session"), submit_label=_("Cancel the session"))


# --- The session page -------------------------------------------------------------------


@require_safe
def session_detail(request, table_slug: str, pk: int):
    user = request.user
    session = permissions.get_session_for_user(user, table_slug, pk)
    table = session.table
    table_perms = mesa_permissions.table_permissions(user, table)
    can_organise = permissions.can_organise(user, session)
    is_open = not session.is_cancelled

    agenda_visible = can_organise or session.is_agenda_published
    agenda = []
    if agenda_visible:
        # Linked concerns and proposals only where the viewer may read them.
        agenda = list(session.agenda_items.order_by("position").prefetch_related(
            Prefetch("concerns", queryset=Concern.objects.visible_to(user).order_by("pk")),
            Prefetch("proposals", queryset=Proposal.objects.visible_to(user).order_by("pk")),
        ))

    can_rsvp = permissions.can_rsvp(user, session)
    own_rsvp = RSVP.objects.filter(session=session, user=user).first() if can_rsvp else None
    rsvp_open = can_rsvp and is_open and not session.has_ended

    versions = list(session.minutes.select_related("approved_by", "corrects").order_by("version"))
    draft = next((m for m in versions if not m.is_approved), None)

    return _render(request, "meetings/session_detail.html", {
        "table": table,
        "table_perms": table_perms,
        "session": session,
        "can_organise": can_organise,
        "timeline": list(session.changes.select_related("actor").order_by("created_at", "pk")),
        "show_actor_names": table_perms.is_member,
        "agenda_visible": agenda_visible,
        "agenda": agenda,
        "agenda_editable": can_organise and is_open and session.status != SessionStatus.HELD,
        "rsvp_form": RSVPForm(initial={"answer": own_rsvp.answer if own_rsvp else None},
                              auto_id="rsvp_%s") if rsvp_open else None,
        "own_rsvp": own_rsvp,
        "rsvp_counts": selectors.rsvp_counts(session) if can_organise else None,
        "attendance": selectors.attendance_summary(
            session, all_names=permissions.can_see_attendee_names(user, session),
            public_facing_names=permissions.can_see_public_facing_attendees(user, session)),
        "can_record": can_organise and is_open and session.has_started,
        "approved_minutes": [m for m in versions if m.is_approved],
        "draft": draft if permissions.can_view_draft_minutes(user, session) else None,
        "can_approve_minutes": permissions.can_approve_minutes(user, session),
        "can_correct_minutes": can_organise and bool(versions) and versions[-1].is_approved,
        "agreements": list(session.agreements.order_by("number")),
        "proposals": list(Proposal.objects.visible_to(user).filter(session=session)
                          .select_related("subcommittee").order_by("pk")),
    })


@login_required
@require_POST
def session_rsvp(request, table_slug: str, pk: int):
    """A member's answer to "will you come?"."""
    session = permissions.get_session_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_rsvp(request.user, session))
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the answers offered."))
    else:
        try:
            rsvp = services.rsvp_set(session=session, user=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, _("Your answer was saved: %(answer)s.")
                             % {"answer": rsvp.get_answer_display()})
    return redirect(session)


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request, table_slug: str, pk: int):
    """Who attended and which institutions were present; replaces an earlier record."""
    session = _session_to_organise(request, table_slug, pk)
    posted = request.method == "POST"
    form = AttendanceForm(request.POST if posted else None, session=session)
    if posted and form.is_valid():
        try:
            services.attendance_record(
                session=session, actor=request.user,
                attendees=[membership.user for membership in form.cleaned_data["attendees"]],
                institutions=list(form.cleaned_data["institutions"]),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The attendance was recorded."))
            return redirect(session)
    return _form_page(request, session, form, template="meetings/session_attendance.html",
                      title=_("Record attendance"), submit_label=_("Save the attendance"))


# --- Agenda --------------------------------------------------------------------------------


def _agenda_item(session: Session, item_pk: int) -> AgendaItem:
    item = get_object_or_404(AgendaItem, session=session, pk=item_pk)
    item.session = session  # the loaded one, with its table
    return item


def _agenda_item_page(request, session: Session, form, *, item: AgendaItem | None):
    posted = request.method == "POST"
    if posted and form.is_valid():
        data = form.cleaned_data
        fields = {"title": data["title"], "description": data["description"],
                  "duration_minutes": data["duration_minutes"], "concerns": list(data["concerns"]),
                  "proposals": list(data["proposals"])}
        try:
            if item is None:
                services.agenda_item_add(session=session, **fields)
            else:
                services.agenda_item_update(item=item, **fields)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The agenda item was saved."))
            return redirect(session.get_absolute_url() + "#agenda")
    return _form_page(request, session, form, template="meetings/agenda_item_form.html", item=item,
                      title=_("Add an agenda item") if item is None else _("Change an agenda item"),
                      submit_label=_("Save the item"))


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_create(request, table_slug: str, pk: int):
    session = _session_to_organise(request, table_slug, pk)
    form = AgendaItemForm(request.POST if request.method == "POST" else None, table=session.table,
                          user=request.user)
    return _agenda_item_page(request, session, form, item=None)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request, table_slug: str, pk: int, item_pk: int):
    session = _session_to_organise(request, table_slug, pk)
    item = _agenda_item(session, item_pk)
    initial = {"title": item.title, "description": item.description,
               "duration_minutes": item.duration_minutes}
    form = AgendaItemForm(request.POST if request.method == "POST" else None, initial=initial,
                          table=session.table, user=request.user, item=item)
    return _agenda_item_page(request, session, form, item=item)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_remove(request, table_slug: str, pk: int, item_pk: int):
    """A confirmation page; the items after it move up."""
    session = _session_to_organise(request, table_slug, pk)
    item = _agenda_item(session, item_pk)
    errors = []
    if request.method == "POST":
        try:
            services.agenda_item_remove(item=item)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The agenda item was removed."))
            return redirect(session.get_absolute_url() + "#agenda")
    return _render(request, "meetings/agenda_item_remove.html", {
        "table": session.table, "session": session, "item": item, "errors": errors,
    })


@login_required
@require_POST
def agenda_item_move(request, table_slug: str, pk: int, item_pk: int):
    session = _session_to_organise(request, table_slug, pk)
    item = _agenda_item(session, item_pk)
    form = AgendaMoveForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_item_move(item=item, up=form.cleaned_data["direction"] == "up")
        except ValidationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, _("The agenda item was moved."))
    else:
        messages.error(request, _("Choose whether to move the item up or down."))
    return redirect(session.get_absolute_url() + "#agenda")


@login_required
@require_POST
def agenda_publish(request, table_slug: str, pk: int):
    """Show the agenda to members now, before the table's usual notice."""
    session = _session_to_organise(request, table_slug, pk)
    try:
        services.agenda_publish(session=session, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("The agenda is published: members can read it now."))
    return redirect(session.get_absolute_url() + "#agenda")


# --- Minutes -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request, table_slug: str, pk: int):
    """Write or rewrite the draft. Approved minutes never change: the service refuses."""
    session = _session_to_organise(request, table_slug, pk)
    versions = list(session.minutes.order_by("version"))
    draft = next((m for m in versions if not m.is_approved), None)
    posted = request.method == "POST"
    form = MinutesForm(request.POST if posted else None, initial={"text": draft.text if draft else ""})
    if posted and form.is_valid():
        try:
            services.minutes_draft(session=session, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The draft minutes were saved."))
            return redirect(session.get_absolute_url() + "#minutes")
    return _form_page(request, session, form, template="meetings/minutes_form.html",
                      title=_("Draft minutes"), submit_label=_("Save the draft"), draft=draft,
                      approved_only=bool(versions) and draft is None)


@login_required
@require_http_methods(["GET", "POST"])
def minutes_correct(request, table_slug: str, pk: int):
    """A new version correcting the latest approved one, with its reason."""
    session = _session_to_organise(request, table_slug, pk)
    latest = session.minutes.filter(approved_at__isnull=False).order_by("-version").first()
    posted = request.method == "POST"
    form = MinutesCorrectionForm(request.POST if posted else None,
                                 initial={"text": latest.text if latest else ""})
    if posted and form.is_valid():
        try:
            services.minutes_correct(session=session, actor=request.user, text=form.cleaned_data["text"],
                                     reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The correction was saved as a draft: it needs approval."))
            return redirect(session.get_absolute_url() + "#minutes")
    return _form_page(request, session, form, template="meetings/minutes_form.html",
                      title=_("Correct the minutes"), submit_label=_("Save the correction"),
                      corrects=latest)


@login_required
@require_POST
def minutes_approve(request, table_slug: str, pk: int, minutes_pk: int):
    """The secretariat approves a draft; from then on it never changes."""
    session = permissions.get_session_for_user(request.user, table_slug, pk)
    permissions.require(permissions.can_approve_minutes(request.user, session))
    minutes = get_object_or_404(Minutes, session=session, pk=minutes_pk)
    try:
        approved = services.minutes_approve(minutes=minutes, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("Version %(version)s of the minutes is approved.")
                         % {"version": approved.version})
    return redirect(session.get_absolute_url() + "#minutes")
