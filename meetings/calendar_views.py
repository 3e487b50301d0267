"""Calendar feeds (iCalendar, built by meetings.calendar) and the page that hands out their addresses.

- A table's feed and a subcommittee's feed show what an anonymous visitor may
  see: calendar apps cannot sign in, and a subscribed address gets shared.
  A table closed to non-members has no public feed: its address answers 404
  (an empty calendar would look like "no sessions"); members use their
  personal feed instead.
- A person's feed lives at a secret address (meetings.models.CalendarFeed):
  the sessions they may see at the tables where they are an active member.
  An unknown or replaced address answers 404.
- One session's .ics download follows the session page's rule (404 if unseen).
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from icalendar import Calendar

from meetings import calendar, permissions, services
from meetings.models import CalendarFeed, Session
from mesa.models import Membership, Table
from subcommittees.models import Subcommittee

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics_response(cal: Calendar, *, private: bool = False, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(cal.to_ical(), content_type=CONTENT_TYPE)
    if private:
        # Whoever holds the address sees the sessions: keep it out of caches and search engines.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _public_table(table_slug: str) -> Table:
    """The table, if it has a public feed at all (open to non-members); else 404."""
    return get_object_or_404(Table, slug=table_slug, is_public=True)


def _public_sessions(table: Table):
    return Session.objects.visible_to(AnonymousUser()).filter(table=table)


@require_safe
def table_calendar(request, table_slug: str):
    table = _public_table(table_slug)
    with translation.override(table.default_language):
        cal = calendar.build_calendar(
            name=_("Sessions of %(table)s") % {"table": table.name},
            time_zone=table.time_zone,
            sessions=calendar.feed_sessions(_public_sessions(table)),
        )
    return _ics_response(cal)


@require_safe
def subcommittee_calendar(request, table_slug: str, subcommittee_slug: str):
    table = _public_table(table_slug)
    subcommittee = get_object_or_404(Subcommittee, table=table, slug=subcommittee_slug)
    with translation.override(table.default_language):
        cal = calendar.build_calendar(
            name=_("Sessions of the subcommittee %(subcommittee)s of %(table)s")
            % {"subcommittee": subcommittee.name, "table": table.name},
            time_zone=table.time_zone,
            sessions=calendar.feed_sessions(_public_sessions(table).filter(subcommittee=subcommittee)),
        )
    return _ics_response(cal)


def _filename(code: str) -> str:
    """A safe file name from a session code (PL-2026-07 -> PL-2026-07.ics)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", code).strip("-.") or "session"
    return f"{stem}.ics"


@require_safe
def session_ics(request, table_slug: str, pk: int):
    session = permissions.get_session_for_user(request.user, table_slug, pk)
    cal = calendar.build_calendar(name=str(session), time_zone=session.table.time_zone,
                                  sessions=calendar.with_event_data(Session.objects.filter(pk=session.pk)))
    open_to_all = session.table.is_public and session.is_public
    return _ics_response(cal, private=not open_to_all, filename=_filename(session.code))


@require_safe
def personal_calendar(request, token: str):
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token,
                             user__is_active=True)
    owner = feed.user
    member_tables = Membership.objects.active().filter(user=owner).values("table_id")
    first_zone = (Table.objects.filter(pk__in=member_tables).order_by("pk")
                  .values_list("time_zone", flat=True).first())
    sessions = Session.objects.visible_to(owner).filter(table__in=member_tables)
    with translation.override(owner.language):
        cal = calendar.build_calendar(
            name=_("My sessions at Mesa"),
            # The zone of the person's first table; each event carries its own zone anyway.
            time_zone=first_zone or "UTC",
            sessions=calendar.feed_sessions(sessions),
        )
    return _ics_response(cal, private=True)


def _table_feeds(user) -> list[dict]:
    """Each table the person is an active member of, with its public feeds (if it has them)."""
    memberships = (Membership.objects.active().filter(user=user).select_related("table")
                   .order_by("table__name"))
    tables = [m.table for m in memberships]
    subcommittees: dict[int, list] = {}
    for subcommittee in Subcommittee.objects.active().filter(table__in=tables).order_by("pk"):
        subcommittees.setdefault(subcommittee.table_id, []).append(subcommittee)
    rows = []
    for table in tables:
        row = {"table": table, "feed_url": None, "subcommittees": []}
        if table.is_public:
            row["feed_url"] = calendar.absolute_url(
                reverse("meetings:table-calendar", kwargs={"table_slug": table.slug}))
            row["subcommittees"] = [
                (subcommittee, calendar.absolute_url(reverse(
                    "meetings:subcommittee-calendar",
                    kwargs={"table_slug": table.slug, "subcommittee_slug": subcommittee.slug})))
                for subcommittee in subcommittees.get(table.pk, [])
            ]
        rows.append(row)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    """The person's secret feed address, a button to replace it, and their tables' public feeds.

    The address is made by a POST (the first time, or to replace it): GET changes nothing."""
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            services.calendar_feed_reset(user=request.user)
            messages.success(request, _("Your calendar has a new private address. The old one no "
                                        "longer works: add the new one to your calendar apps."))
        else:
            services.calendar_feed_for(user=request.user)
            messages.success(request, _("Your private calendar address is ready: add it to your "
                                        "calendar app."))
        return redirect("calendar-settings")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    response = render(request, "meetings/calendar_settings.html", {
        "feed": feed,
        "feed_url": calendar.absolute_url(feed.get_absolute_url()) if feed else "",
        "table_feeds": _table_feeds(request.user),
    })
    # The page shows a secret address.
    response["Cache-Control"] = "private, no-store"
    return response
