"""Properties of the reminder planners, for any schedule and any time zone.

A reminder's key (kind:object:recipient:occurrence) is what keeps a citizen from getting the
same reminder twice: the unique constraint and `bulk_create(ignore_conflicts=True)` rely on
two different reminders never sharing a key, and on planning again finding the same keys.
Zones are drawn from every IANA zone, and session times cluster around their daylight-saving
changes, where wall-clock arithmetic goes wrong.
"""

from datetime import UTC, date, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo, available_timezones

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mesa.models import Table
from reminders import commitment_planner, concern_planner, planner
from reminders.models import DEFAULT_SESSION_HOURS_BEFORE, Reminder, ReminderSchedule, State
from tests.commitments.factories import institution, official_of, record_agreement, record_commitment
from tests.meetings.factories import schedule_session

PURE = settings(derandomize=True, database=None, max_examples=300, deadline=None)
WITH_DB = settings(derandomize=True, database=None, max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Zones whose clocks move, named so that every run tries them whatever it draws.
DST_ZONES = ["America/Ciudad_Juarez", "America/Mexico_City", "Europe/London", "Pacific/Chatham",
             "Australia/Lord_Howe", "America/Santiago", "Antarctica/Troll"]
ZONES = sorted(available_timezones())
zones = st.one_of(st.sampled_from(DST_ZONES), st.sampled_from(ZONES))

ids = st.integers(min_value=1, max_value=2**63 - 1)
hours_before = st.integers(min_value=1, max_value=60 * 24)
# ReminderSchedule.session_hours_before: up to five offsets, repeats allowed; empty = the defaults.
session_schedules = st.lists(hours_before, max_size=5)


@cache
def transitions(zone_name: str, start: datetime = datetime(2027, 1, 1, tzinfo=UTC),
                days: int = 730) -> tuple[datetime, ...]:
    """The UTC instants at which `zone_name` changes its offset within `days` of `start`."""
    zone = ZoneInfo(zone_name)
    found = []
    for day in range(days):
        low, high = start + timedelta(days=day), start + timedelta(days=day + 1)
        if low.astimezone(zone).utcoffset() == high.astimezone(zone).utcoffset():
            continue
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                low = middle
            else:
                high = middle
        found.append(high.replace(microsecond=0))
    return tuple(found)


@st.composite
def zone_and_instant(draw) -> tuple[str, datetime]:
    """A zone and an instant in 2027-2028, close to one of its clock changes when it has any."""
    name = draw(zones)
    changes = transitions(name)
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
        # Minutes either side: a session just after a change, or a day or a week after it.
        moment = base + timedelta(minutes=draw(st.integers(min_value=-3 * 60, max_value=8 * 24 * 60)))
    else:
        moment = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(
            st.integers(min_value=0, max_value=700 * 24 * 60)))
    return name, moment.replace(second=0)


# One reminder's identity, and the key its planner gives it.
def _session(pk, user, hours):
    return planner.session_key(SimpleNamespace(pk=pk), user, hours)


def _due(pk, user, days, due_on):
    return commitment_planner.due_key(SimpleNamespace(pk=pk, due_on=due_on), user, days)


def _overdue(pk, user, number):
    return commitment_planner.overdue_key(SimpleNamespace(pk=pk), user, number)


def _unanswered(pk, user, number):
    return concern_planner.unanswered_key(SimpleNamespace(pk=pk), user, number)


numbers = st.integers(min_value=1, max_value=10_000)
identities = st.one_of(
    st.tuples(st.just(_session), ids, ids, hours_before),
    st.tuples(st.just(_due), ids, ids, st.integers(min_value=0, max_value=90),
              st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31))),
    st.tuples(st.just(_overdue), ids, ids, numbers),
    st.tuples(st.just(_unanswered), ids, ids, numbers),
)


@PURE
@given(st.lists(identities, min_size=2, max_size=30, unique=True))
def test_different_reminders_never_share_a_key(reminders):
    keys = {}
    for identity in reminders:
        make, *args = identity
        key = make(*args)
        assert len(key) <= Reminder._meta.get_field("key").max_length
        assert keys.setdefault(key, identity) == identity, f"{identity} and {keys[key]} share {key}"


@PURE
@given(st.lists(hours_before, max_size=5), st.integers(min_value=0, max_value=90), numbers)
def test_occurrences_fit_their_column(hours, days, number):
    limit = Reminder._meta.get_field("occurrence").max_length
    occurrences = [f"{h}h" for h in hours] + [
        commitment_planner.due_occurrence(days), concern_planner.unanswered_occurrence(number),
        f"{commitment_planner.OVERDUE}{number}"]
    for occurrence in occurrences:
        assert len(occurrence) <= limit


@PURE
@given(zone_and_instant(), session_schedules)
def test_a_sessions_reminders_keep_the_wall_clock_offset_in_any_zone(zone_and_start, hours):
    """N hours before, on the table's clock: the same local time N hours earlier, unless that
    time does not exist there (a spring-forward gap)."""
    name, starts_at = zone_and_start
    zone = ZoneInfo(name)
    for h in sorted(set(hours or DEFAULT_SESSION_HOURS_BEFORE)):
        moment = planner.wall_clock_earlier(starts_at, zone, timedelta(hours=h))
        wanted = timezone.localtime(starts_at, zone).replace(tzinfo=None) - timedelta(hours=h)
        local = timezone.localtime(moment, zone).replace(tzinfo=None)
        exists = wanted.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wanted
        if exists:
            assert local == wanted
        # A skipped time is read with the offset after the change: never further than the gap.
        assert abs(local - wanted) <= timedelta(hours=3)


@PURE
@given(zone_and_instant(), session_schedules)
@example(("Europe/London", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)), [1])  # 02:30 BST
@example(("America/Ciudad_Juarez", datetime(2027, 3, 14, 9, 30, tzinfo=UTC)), [1])  # 03:30 MDT
@example(("Antarctica/Troll", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)), [1])  # 03:30 +02
def test_a_reminder_before_a_session_goes_out_before_it_starts(zone_and_start, hours):
    name, starts_at = zone_and_start
    for h in set(hours or DEFAULT_SESSION_HOURS_BEFORE):
        assert planner.wall_clock_earlier(starts_at, ZoneInfo(name), timedelta(hours=h)) < starts_at


@PURE
@given(zone_and_instant(), st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)),
       st.integers(min_value=1, max_value=60))
def test_after_a_downtime_the_next_weekly_reminder_is_one_moment_ahead_never_a_burst(
        zone_and_now, first, every):
    """Overdue commitments and unanswered concerns: exactly one next moment, the first of the
    series (09:00 local, every `every` days from `first`) still ahead of now."""
    name, now = zone_and_now
    zone = ZoneInfo(name)
    moment = commitment_planner.next_weekly_moment(first, every, zone, now)
    assert moment > now
    day = timezone.localtime(moment, zone).date()
    # 09:00 read on the zone's clock (a 09:00 that does not exist is read as the planner documents).
    steps = [k for k in range((day - first).days // every + 2)
             if commitment_planner.at_local_clock(first + timedelta(days=k * every), zone) == moment]
    assert len(steps) == 1
    step = steps[0]
    if step > 0:
        assert commitment_planner.at_local_clock(first + timedelta(days=(step - 1) * every), zone) <= now


@PURE
@given(zones, st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)),
       st.lists(st.integers(min_value=0, max_value=90), max_size=5))
def test_a_commitments_due_reminders_are_distinct_moments_in_any_zone(name, due_on, days):
    """One reminder per distinct offset: different days before, different days, different instants."""
    zone = ZoneInfo(name)
    offsets = sorted(set(days or [7, 1, 0]), reverse=True)
    moments = [commitment_planner.at_local_clock(due_on - timedelta(days=d), zone) for d in offsets]
    assert moments == sorted(moments)
    assert len(set(moments)) == len(offsets)


# --- With the database: the planners themselves ------------------------------------------


def _rows(session) -> set[tuple]:
    return set(Reminder.objects.filter(session=session)
               .values_list("key", "recipient_id", "occurrence", "send_at", "state"))


@WITH_DB
@given(zone_and_instant(), session_schedules, st.integers(min_value=0, max_value=61 * 24))
@example(("Antarctica/Troll", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)), [1, 1, 2], 2)
@example(("Pacific/Chatham", datetime(2027, 4, 4, 2, 0, tzinfo=UTC)), [], 24)
def test_no_two_planned_session_reminders_share_a_key_and_planning_again_changes_nothing(
        table, citizen, official, zone_and_start, hours, hours_ahead):
    name, starts_at = zone_and_start
    Table.objects.filter(pk=table.pk).update(time_zone=name)
    here = Table.objects.get(pk=table.pk)  # a fresh `zone`
    ReminderSchedule.objects.update_or_create(table=here, defaults={"session_hours_before": hours})
    scheduled_at = timezone.now()
    session = schedule_session(here, starts_at=starts_at)  # planned once, as of today
    now = starts_at - timedelta(hours=hours_ahead)
    planner.plan_session(session, now=now)  # and again as of `now`, earlier or later
    first = _rows(session)
    keys = [row[0] for row in first]
    assert len(keys) == len(set(keys))
    # One row per person expected and offset whose moment was ahead when planned, under the
    # key the planner names it by.
    recipients = planner.session_recipient_ids(session)
    earliest = min(now, scheduled_at)
    offsets = [h for h in set(hours or DEFAULT_SESSION_HOURS_BEFORE)
               if planner.wall_clock_earlier(starts_at, here.zone, timedelta(hours=h)) > earliest]
    assert {(user, occurrence) for _key, user, occurrence, _at, _state in first} == {
        (user, f"{h}h") for user in recipients for h in offsets}
    for key, user, occurrence, send_at, state in first:
        assert key == planner.session_key(session, user, int(occurrence.removesuffix("h")))
        assert (state == State.PLANNED) == (send_at > now)
    planner.plan_session(session, now=now)
    assert _rows(session) == first


def _commitment_rows(commitment) -> set[tuple]:
    return set(Reminder.objects.filter(commitment=commitment)
               .values_list("key", "recipient_id", "occurrence", "send_at", "state"))


@WITH_DB
@given(zones, st.integers(min_value=0, max_value=120), st.lists(st.integers(min_value=0, max_value=90),
                                                                max_size=5),
       st.integers(min_value=1, max_value=60), st.integers(min_value=-30, max_value=130))
def test_no_two_planned_commitment_reminders_share_a_key_and_planning_again_changes_nothing(
        commitment_world, name, due_in_days, days, every, days_later):
    table, agreement, fge, fiscal = commitment_world
    Table.objects.filter(pk=table.pk).update(time_zone=name)
    ReminderSchedule.objects.update_or_create(table=table, defaults={
        "commitment_days_before": days, "overdue_every_days": every})
    agreement = type(agreement).objects.get(pk=agreement.pk)  # its date on the new clock
    commitment = record_commitment(agreement, institution=fge, responsible_officials=[fiscal],
                                   due_in_days=due_in_days)
    commitment.table = Table.objects.get(pk=table.pk)  # a fresh `zone`
    now = timezone.now() + timedelta(days=days_later)
    commitment_planner.plan_commitment(commitment, now=now)
    first = _commitment_rows(commitment)
    keys = [row[0] for row in first]
    assert len(keys) == len(set(keys))
    # Per person: one due row per offset of this due date, one overdue occurrence planned.
    per_person: dict[int, list[str]] = {}
    for _key, user, occurrence, _at, _state in first:
        per_person.setdefault(user, []).append(occurrence)
    for occurrences in per_person.values():
        assert len(occurrences) == len(set(occurrences))
    planned_overdue = [row for row in first if row[2].startswith(commitment_planner.OVERDUE)
                       and row[4] == State.PLANNED]
    assert len({row[2] for row in planned_overdue}) <= 1
    commitment_planner.plan_commitment(commitment, now=now)
    assert _commitment_rows(commitment) == first


@pytest.fixture
def commitment_world(table):
    fge = institution(table, "Fiscalía General del Estado")
    fiscal = official_of(fge)
    agreement = record_agreement(table, institutions=[fge])
    return table, agreement, fge, fiscal
