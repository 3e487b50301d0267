"""A commitment is reminded 7 days and 1 day before its due date and on it, at 09:00 on the table's
clock, then weekly while overdue, to its responsible officials copied to the coordinators; planned in
the same transaction as the commitment's change, sent once, in each recipient's language."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from commitments import services
from commitments.models import CommitmentStatus
from mesa.models import Role
from reminders import dispatch
from reminders.commitment_planner import at_local_clock, plan_commitment
from reminders.models import InboxMessage, Kind, Reminder, ReminderSchedule, State
from tests.commitments.factories import official_of, record_agreement, record_commitment
from tests.meetings.factories import held_session, secretariat_of
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
JUAREZ = ZoneInfo("America/Ciudad_Juarez")


def commit(table, fge, officials, **extra):
    agreement = record_agreement(table, institutions=[fge])
    return record_commitment(agreement, institution=fge, responsible_officials=officials, **extra)


def rows(commitment, **filters):
    return Reminder.objects.filter(commitment=commitment, **filters)


def occurrences(commitment, user, state=State.PLANNED) -> set[str]:
    return set(rows(commitment, recipient=user, state=state).values_list("occurrence", flat=True))


def send_due(now):
    return {pk: dispatch.send_one(pk, now=now) for pk in dispatch.claim_due(now=now)}


def test_a_commitment_plans_its_due_and_first_overdue_reminders_for_its_officials_and_the_secretariat(
        table, fge, fiscal, citizen):
    other_official = official_of(fge)  # not named responsible
    official_of(fge, verified=False)
    commitment = commit(table, fge, [fiscal])
    secretariat = secretariat_of(table)
    assert set(rows(commitment).values_list("recipient_id", flat=True)) == {fiscal.pk, secretariat.pk}
    for person in (fiscal, secretariat):
        assert occurrences(commitment, person) == {"7d", "1d", "0d", "overdue-1"}
    assert not rows(commitment, recipient__in=[citizen, other_official]).exists()
    assert rows(commitment, recipient=fiscal, occurrence="7d").get().key == \
        f"commitment_due:commitment:{commitment.pk}:user:{fiscal.pk}:7d:{commitment.due_on.isoformat()}"
    overdue = rows(commitment, recipient=fiscal, occurrence="overdue-1").get()
    assert (overdue.key, overdue.kind) == (
        f"commitment_overdue:commitment:{commitment.pk}:user:{fiscal.pk}:overdue-1", Kind.COMMITMENT_OVERDUE)


def test_a_subcommittee_agreements_commitment_is_copied_to_its_coordinators(table, fge, fiscal):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    coordinator = make_member(table, Role.COORDINATOR).user
    justice.coordinators.add(coordinator)
    make_member(table, Role.COORDINATOR)  # of no subcommittee here
    session = held_session(table, subcommittee=justice, invited_institutions=[fge])
    agreement = record_agreement(table, institutions=[fge], session=session)
    commitment = record_commitment(agreement, institution=fge, responsible_officials=[fiscal])
    assert set(rows(commitment).values_list("recipient_id", flat=True)) == {fiscal.pk, coordinator.pk}


def test_reminders_go_at_nine_on_the_tables_clock_across_a_daylight_saving_change(table, fge, fiscal):
    # Ciudad Juárez moves its clocks on 14 March 2027, from UTC-7 to UTC-6.
    with time_machine.travel(datetime(2027, 2, 1, 12, tzinfo=UTC), tick=False):
        commitment = commit(table, fge, [fiscal], due_on=date(2027, 3, 15))
    send_at = dict(rows(commitment, recipient=fiscal).values_list("occurrence", "send_at"))
    assert send_at == {
        "7d": datetime(2027, 3, 8, 16, tzinfo=UTC),  # 09:00 MST
        "1d": datetime(2027, 3, 14, 15, tzinfo=UTC),  # 09:00 MDT, the day the clocks change
        "0d": datetime(2027, 3, 15, 15, tzinfo=UTC),
        "overdue-1": datetime(2027, 3, 16, 15, tzinfo=UTC),
    }
    assert {timezone.localtime(moment, JUAREZ).hour for moment in send_at.values()} == {9}


def test_the_tables_schedule_sets_the_days_before(table, fge, fiscal):
    ReminderSchedule.objects.create(table=table, commitment_days_before=[3], overdue_every_days=2)
    commitment = commit(table, fge, [fiscal])
    assert occurrences(commitment, fiscal) == {"3d", "overdue-1"}


def test_planning_twice_adds_nothing_and_keys_are_unique(table, fge, fiscal):
    commitment = commit(table, fge, [fiscal])
    before = list(rows(commitment).order_by("pk").values_list("key", "send_at", "state"))
    plan_commitment(commitment)
    plan_commitment(commitment)
    after = list(rows(commitment).order_by("pk").values_list("key", "send_at", "state"))
    assert after == before
    assert len({key for key, _send_at, _state in after}) == len(after)


def test_a_moment_already_past_is_not_planned(table, fge, fiscal):
    agreement = record_agreement(table, institutions=[fge])
    commitment = record_commitment(agreement, institution=fge, responsible_officials=[fiscal],
                                   due_on=timezone.localtime(timezone.now(), table.zone).date()
                                   + timedelta(days=3))
    assert occurrences(commitment, fiscal) == {"1d", "0d", "overdue-1"}


def test_moving_the_due_date_replans_for_the_new_date_and_keeps_what_was_sent(
        table, fge, fiscal, secretariat):
    commitment = commit(table, fge, [fiscal])
    first_due = commitment.due_on
    sent = rows(commitment, recipient=fiscal, occurrence="7d").get()
    Reminder.objects.filter(pk=sent.pk).update(state=State.SENT, sent_at=timezone.now())
    new_due = commitment.due_on + timedelta(days=30)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat, due_on=new_due,
                                      reason="Falta presupuesto")
    after = rows(commitment, recipient=fiscal).get(pk=sent.pk)
    assert (after.state, after.send_at) == (State.SENT, sent.send_at)  # what was sent stays sent
    # "7 days before" the new date is a new reminder: the official hears again before it.
    planned = dict(rows(commitment, recipient=fiscal, state=State.PLANNED)
                   .values_list("occurrence", "send_at"))
    assert planned == {
        "7d": at_local_clock(new_due - timedelta(days=7), table.zone),
        "1d": at_local_clock(new_due - timedelta(days=1), table.zone),
        "0d": at_local_clock(new_due, table.zone),
        "overdue-1": at_local_clock(new_due + timedelta(days=1), table.zone),
    }
    assert timezone.localtime(planned["0d"], table.zone).hour == 9
    old_date = rows(commitment, recipient=fiscal, kind=Kind.COMMITMENT_DUE,
                    key__endswith=first_due.isoformat())
    assert set(old_date.values_list("state", flat=True)) == {State.SENT, State.CANCELLED}

    # Moved back: the old date's rows are found again, and the one sent is not sent again.
    count = rows(commitment).count()
    services.commitment_move_due_date(commitment=commitment, actor=secretariat, due_on=first_due,
                                      reason="Se consiguió el presupuesto")
    assert rows(commitment).count() == count
    assert occurrences(commitment, fiscal) == {"1d", "0d", "overdue-1"}
    assert rows(commitment, recipient=fiscal).get(pk=sent.pk).state == State.SENT


def test_closing_cancels_planned_reminders_and_reopening_plans_them_again(table, fge, fiscal, secretariat):
    commitment = commit(table, fge, [fiscal])
    services.commitment_set_status(commitment=commitment, actor=secretariat,
                                   status=CommitmentStatus.NOT_FULFILLED)
    assert set(rows(commitment).values_list("state", flat=True)) == {State.CANCELLED}
    services.commitment_set_status(commitment=commitment, actor=secretariat,
                                   status=CommitmentStatus.IN_PROGRESS)
    assert occurrences(commitment, fiscal) == {"7d", "1d", "0d", "overdue-1"}
    services.commitment_set_status(commitment=commitment, actor=secretariat,
                                   status=CommitmentStatus.WITHDRAWN, reason="Duplicado")
    assert set(rows(commitment).values_list("state", flat=True)) == {State.CANCELLED}


def test_new_responsible_officials_get_reminders_and_former_ones_no_more(table, fge, fiscal, secretariat):
    commitment = commit(table, fge, [fiscal])
    successor = official_of(fge)
    services.commitment_update(commitment=commitment, actor=secretariat, description=commitment.description,
                               co_responsible=[], responsible_officials=[successor], unit="",
                               requested=None, committed=None)
    assert occurrences(commitment, successor) == {"7d", "1d", "0d", "overdue-1"}
    assert occurrences(commitment, fiscal) == set()
    assert occurrences(commitment, fiscal, State.CANCELLED) == {"7d", "1d", "0d", "overdue-1"}


def test_sending_an_overdue_reminder_plans_the_next_a_week_later(table, fge, fiscal):
    commitment = commit(table, fge, [fiscal])
    first = rows(commitment, recipient=fiscal, occurrence="overdue-1").get()
    now = first.send_at + timedelta(seconds=1)
    with time_machine.travel(now, tick=False):
        results = send_due(now)
    assert results[first.pk] == State.SENT
    assert set(rows(commitment, occurrence="overdue-1").values_list("state", flat=True)) == {State.SENT}
    following = rows(commitment, recipient=fiscal, occurrence="overdue-2").get()
    assert following.state == State.PLANNED
    assert timezone.localtime(following.send_at, table.zone) == \
        timezone.localtime(first.send_at, table.zone) + timedelta(days=7)
    assert timezone.localtime(following.send_at, table.zone).hour == 9
    # A second delivery of the same batch plans nothing more.
    assert dispatch.send_one(first.pk, now=now) is None
    assert not rows(commitment, occurrence="overdue-3").exists()


def test_an_overdue_chain_stops_when_the_commitment_is_fulfilled(table, fge, fiscal, secretariat):
    commitment = commit(table, fge, [fiscal])
    first = rows(commitment, recipient=fiscal, occurrence="overdue-1").get()
    now = first.send_at + timedelta(seconds=1)
    dispatch.claim_due(now=now)
    services.commitment_set_status(commitment=commitment, actor=secretariat,
                                   status=CommitmentStatus.FULFILLED)
    assert dispatch.send_one(first.pk, now=now) == State.SKIPPED
    assert not mail.outbox
    assert not rows(commitment, state=State.PLANNED).exists()


def test_a_due_reminder_claimed_before_its_due_date_moved_is_skipped_for_the_new_dates_own(
        table, fge, fiscal, secretariat):
    commitment = commit(table, fge, [fiscal])
    week = rows(commitment, recipient=fiscal, occurrence="7d").get()
    now = week.send_at + timedelta(seconds=1)
    assert week.pk in dispatch.claim_due(now=now)
    new_due = commitment.due_on + timedelta(days=30)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat, due_on=new_due,
                                      reason="Falta presupuesto")
    assert dispatch.send_one(week.pk, now=now) == State.SKIPPED
    week.refresh_from_db()
    assert week.state == State.SKIPPED
    new_week = rows(commitment, recipient=fiscal, occurrence="7d", state=State.PLANNED).get()
    assert timezone.localtime(new_week.send_at, table.zone).date() == new_due - timedelta(days=7)
    assert not mail.outbox


def test_each_recipient_reads_the_reminder_in_their_language_with_a_link(table, fge, fiscal):
    fiscal.language = "es"
    fiscal.save(update_fields=["language"])
    secretariat = secretariat_of(table)
    secretariat.language = "en"
    secretariat.save(update_fields=["language"])
    commitment = commit(table, fge, [fiscal], due_on=date(2027, 3, 15), unit="agentes",
                        requested=200, committed=40)
    day_before = rows(commitment, recipient=fiscal, occurrence="1d").get()
    now = day_before.send_at + timedelta(seconds=1)
    with time_machine.travel(now, tick=False):
        send_due(now)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {fiscal.email, secretariat.email}
    link = settings.MESA_BASE_URL + commitment.get_absolute_url()
    english, spanish = by_person[secretariat.email], by_person[fiscal.email]
    assert english.subject == f"Due tomorrow: commitment {commitment.code}"
    assert "Monday 15 March 2027" in english.body
    assert "Requested: 200 agentes" in english.body
    assert "Fecha límite: lunes 15 marzo 2027" in spanish.body
    for message in (english, spanish):
        assert link in message.body
        assert commitment.code in message.subject
        assert "Enviar agentes del ministerio público" in message.body
    inbox = InboxMessage.objects.get(user=fiscal, reminder=day_before)
    assert inbox.url == commitment.get_absolute_url()


def test_after_a_downtime_only_the_nearest_due_reminder_goes_out(table, fge, fiscal):
    commitment = commit(table, fge, [fiscal])
    day_before = rows(commitment, recipient=fiscal, occurrence="1d").get()
    now = day_before.send_at + timedelta(hours=2)  # the dispatcher was down for a week
    with time_machine.travel(now, tick=False):
        send_due(now)
    states = dict(rows(commitment, recipient=fiscal).values_list("occurrence", "state"))
    assert states == {"7d": State.SKIPPED, "1d": State.SENT, "0d": State.PLANNED,
                      "overdue-1": State.PLANNED}
    assert len([m for m in mail.outbox if m.to == [fiscal.email]]) == 1


def test_an_overdue_reminder_counts_the_days_overdue(table, fge, fiscal):
    fiscal.language = "en"
    fiscal.save(update_fields=["language"])
    commitment = commit(table, fge, [fiscal], due_on=date(2027, 3, 15))
    first = rows(commitment, recipient=fiscal, occurrence="overdue-1").get()
    now = first.send_at + timedelta(seconds=1)
    with time_machine.travel(now, tick=False):
        send_due(now)
    message = next(m for m in mail.outbox if m.to == [fiscal.email])
    assert "overdue by 1 day." in message.body
    assert message.subject == f"Overdue since 15 March 2027: commitment {commitment.code}"
