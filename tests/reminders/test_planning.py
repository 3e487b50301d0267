"""Reminders are planned as rows with deterministic keys, in the same transaction as the
session that causes them, at the right instant on the table's clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings import services as meeting_services
from mesa.models import Membership, Role
from reminders.models import Reminder, State
from tests.meetings.factories import schedule_session, secretariat_of
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def local(moment, zone: str) -> datetime:
    return timezone.localtime(moment, ZoneInfo(zone)).replace(tzinfo=None)


def members(table) -> set[int]:
    return set(Membership.objects.active().filter(table=table).values_list("user_id", flat=True))


def test_a_plenary_plans_two_reminders_for_every_member(table, citizen, official):
    session = schedule_session(table)
    rows = Reminder.objects.filter(session=session)
    assert {(r.recipient_id, r.occurrence) for r in rows} == {
        (user, occurrence) for user in members(table) for occurrence in ("168h", "24h")}
    assert {r.state for r in rows} == {State.PLANNED}
    assert rows.get(recipient=citizen, occurrence="24h").key == \
        f"session:session:{session.pk}:user:{citizen.pk}:24h"


def test_planning_again_adds_nothing(table, citizen):
    from reminders.planner import plan_session

    session = schedule_session(table)
    before = Reminder.objects.count()
    plan_session(session)
    plan_session(session)
    assert Reminder.objects.count() == before


def test_the_database_refuses_a_second_row_with_the_same_key(table, citizen):
    session = schedule_session(table)
    first = Reminder.objects.filter(session=session).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(key=first.key, kind=first.kind, occurrence=first.occurrence, table=table,
                                recipient=first.recipient, session=session, send_at=first.send_at)


@pytest.mark.parametrize(("zone", "session_local", "day_before_utc"), [
    # Ciudad Juárez moves its clocks on 14 March 2027: 18:00 the day before is 23 hours earlier.
    ("America/Ciudad_Juarez", datetime(2027, 3, 14, 18), datetime(2027, 3, 14, 1)),
    # Mexico City keeps one offset all year: exactly 24 hours.
    ("America/Mexico_City", datetime(2027, 3, 14, 18), datetime(2027, 3, 14, 0)),
    # Madrid moves on 28 March 2027.
    ("Europe/Madrid", datetime(2027, 3, 28, 18), datetime(2027, 3, 27, 17)),
    # ... and back on 31 October 2027: 25 hours earlier.
    ("Europe/Madrid", datetime(2027, 10, 31, 18), datetime(2027, 10, 30, 16)),
])
def test_24_hours_before_means_the_same_clock_time_the_day_before(table, citizen, zone, session_local,
                                                                   day_before_utc):
    table.time_zone = zone
    table.save(update_fields=["time_zone"])
    table.refresh_from_db()
    starts_at = session_local.replace(tzinfo=ZoneInfo(zone))
    with time_machine.travel(starts_at - timedelta(days=20), tick=False):
        session = schedule_session(table, starts_at=starts_at)
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="24h")
    assert reminder.send_at == day_before_utc.replace(tzinfo=UTC)
    assert local(reminder.send_at, zone) == session_local - timedelta(days=1)
    week = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    assert local(week.send_at, zone) == session_local - timedelta(days=7)


def test_rescheduling_moves_the_planned_reminders_without_duplicates(table, citizen, secretariat):
    session = schedule_session(table)
    count = Reminder.objects.count()
    meeting_services.session_reschedule(session=session, actor=secretariat,
                                        starts_at=session.starts_at + timedelta(hours=1),
                                        ends_at=session.ends_at + timedelta(hours=1), reason="Sala ocupada")
    assert Reminder.objects.count() == count
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="24h")
    assert reminder.send_at == session.starts_at - timedelta(hours=24)


def test_a_reminder_already_sent_is_not_planned_again(table, citizen, secretariat):
    session = schedule_session(table)
    sent = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    Reminder.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=timezone.now())
    meeting_services.session_reschedule(session=session, actor=secretariat,
                                        starts_at=session.starts_at + timedelta(hours=1),
                                        ends_at=session.ends_at + timedelta(hours=1), reason="Sala ocupada")
    after = Reminder.objects.get(pk=sent.pk)
    assert (after.state, after.send_at) == (State.SENT, sent.send_at)
    assert Reminder.objects.filter(session=session, recipient=citizen, occurrence="168h").count() == 1


def test_cancelling_a_session_cancels_its_planned_reminders(table, citizen, secretariat):
    session = schedule_session(table)
    meeting_services.session_cancel(session=session, actor=secretariat, reason="Sin quórum")
    assert set(Reminder.objects.filter(session=session).values_list("state", flat=True)) == {State.CANCELLED}


def test_a_reminder_whose_moment_has_passed_is_not_planned(table, citizen):
    session = schedule_session(table, starts_at=(timezone.now() + timedelta(hours=10)).replace(microsecond=0))
    assert set(Reminder.objects.filter(session=session).values_list("occurrence", flat=True)) == set()
    later = schedule_session(table, starts_at=(timezone.now() + timedelta(days=3)).replace(microsecond=0))
    assert set(Reminder.objects.filter(session=later).values_list("occurrence", flat=True)) == {"24h"}


def test_moving_a_session_closer_skips_the_reminder_whose_moment_passed(table, citizen, secretariat):
    session = schedule_session(table)  # ten days ahead
    soon = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    meeting_services.session_reschedule(session=session, actor=secretariat, starts_at=soon,
                                        ends_at=soon + timedelta(hours=2), reason="Urgente")
    states = dict(Reminder.objects.filter(session=session, recipient=citizen)
                  .values_list("occurrence", "state"))
    assert states == {"168h": State.SKIPPED, "24h": State.PLANNED}


def test_a_subcommittee_session_expects_its_coordinators_the_secretariat_and_invited_officials(
        table, citizen, secretariat):
    from tests.commitments.factories import institution, official_of

    justice = table.subcommittees.get(standing_theme="access_to_justice")
    coordinator = make_member(table, Role.COORDINATOR).user
    justice.coordinators.add(coordinator)
    fge = institution(table, "Fiscalía General del Estado")
    invited_official = official_of(fge)
    official_of(institution(table, "Policía Municipal"))  # not invited
    official_of(fge, verified=False)  # not verified
    session = schedule_session(table, subcommittee=justice, actor=secretariat_of(table),
                               invited_institutions=[fge])
    assert set(Reminder.objects.filter(session=session).values_list("recipient_id", flat=True)) == {
        coordinator.pk, secretariat.pk, invited_official.pk}
