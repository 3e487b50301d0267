"""iCalendar (RFC 5545) feeds of sessions: a table's, a subcommittee's, a person's and one session's.

Times are written as wall-clock times in the table's zone
(``DTSTART;TZID=America/Ciudad_Juarez:20270313T180000``), never in UTC or the
server's zone, with a VTIMEZONE for every zone used: a calendar app that does
not know a zone (America/Ciudad_Juarez is recent) still reads the right hour
from the VTIMEZONE's own STANDARD/DAYLIGHT rules.

An event's UID never changes; SEQUENCE (raised by meetings.services on every
change attendees must see) tells calendars a newer version replaces the one
they hold, and a cancelled session stays in the feed as STATUS:CANCELLED so
calendars remove it instead of keeping a stale copy.

Which sessions a feed carries is the caller's: feeds ask meetings.querysets
(visible_to) like every page; this module only writes what it is given.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from meetings.models import AgendaItem, Session, SessionStatus

PRODID = "-//Mesa//Mesa sessions//ES"
# A feed keeps the sessions that ended in the last year, and every upcoming one.
FEED_WINDOW = timedelta(days=365)
# How often subscribed calendar apps are asked to fetch the feed again, so a
# cancellation or a new time reaches them within the hour.
REFRESH_INTERVAL = timedelta(hours=1)


def with_event_data(sessions: QuerySet) -> QuerySet:
    """What the events read: the table (zone, agenda notice), the subcommittee, the agenda."""
    return (
        sessions.select_related("table", "subcommittee")
        .prefetch_related(Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position")))
        .order_by("starts_at", "pk")
    )


def feed_sessions(sessions: QuerySet, now: datetime | None = None) -> QuerySet:
    """What a feed carries out of `sessions` (already limited to what the reader may see)."""
    now = now or timezone.now()
    return with_event_data(sessions.filter(ends_at__gt=now - FEED_WINDOW))


def absolute_url(path: str) -> str:
    return f"{settings.MESA_BASE_URL}{path}"


def _description(session: Session) -> str:
    """Plain text; agenda titles only once the agenda is published to members."""
    lines = []
    if session.is_cancelled:
        lines.append(_("This session was cancelled: %(reason)s") % {"reason": session.cancellation_reason})
    if session.is_plenary:
        lines.append(_("Plenary session of %(table)s.") % {"table": session.table.name})
    else:
        lines.append(_("Session of the subcommittee %(subcommittee)s of %(table)s.")
                     % {"subcommittee": session.subcommittee.name, "table": session.table.name})
    if session.online_url:
        lines.append(_("Online meeting link: %(url)s") % {"url": session.online_url})
    if session.description.strip():
        lines.extend(["", session.description.strip()])
    items = list(session.agenda_items.all())
    if items and session.is_agenda_published:
        lines.extend(["", _("Agenda:")])
        lines.extend(f"{item.position}. {item.title}" for item in items)
    return "\n".join(lines)


def session_event(session: Session, *, stamp: datetime) -> Event:
    """One VEVENT; DTSTART and DTEND carry the table's zone as TZID."""
    event = Event()
    event.add("uid", f"{session.uid}@mesa")
    event.add("dtstamp", stamp)
    event.add("created", session.created_at.astimezone(UTC))
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("sequence", session.sequence)
    event.add("dtstart", session.local_starts_at())
    event.add("dtend", session.local_ends_at())
    event.add("summary", f"{session.code} · {session.title}")
    if session.place:
        event.add("location", session.place)
    event.add("url", absolute_url(session.get_absolute_url()))
    event.add("description", _description(session))
    event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    return event


def _timezone_span(sessions: list[Session]) -> tuple[date, date]:
    """The years the VTIMEZONE rules must cover: whole years around every session."""
    first = min(s.starts_at for s in sessions)
    last = max(s.ends_at for s in sessions)
    return date(first.year - 1, 1, 1), date(last.year + 2, 1, 1)


def build_calendar(*, name: str, time_zone: str, sessions: Iterable[Session],
                   now: datetime | None = None) -> Calendar:
    """A published calendar of `sessions`, named `name` (shown by calendar apps).

    `time_zone` is the feed's default zone (X-WR-TIMEZONE); each event still
    carries its own table's zone, and each zone used gets its VTIMEZONE."""
    sessions = list(sessions)
    # DTSTAMP: when this copy of the calendar was made (RFC 5545 3.8.7.2, with METHOD).
    stamp = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", time_zone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for session in sessions:
        calendar.add_component(session_event(session, stamp=stamp))
    if sessions:
        first_date, last_date = _timezone_span(sessions)
        calendar.add_missing_timezones(first_date=first_date, last_date=last_date)
    return calendar
