"""A table that changes its reminder offsets has what is still to come re-planned by them:
planned rows of an offset it no longer uses are cancelled, new offsets are planned, and what
was sent stays sent. Platform staff change them in the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders.models import Reminder, ReminderSchedule, State
from reminders.planner import wall_clock_earlier
from reminders.services import schedule_save
from tests.commitments.factories import record_agreement, record_commitment
from tests.meetings.factories import schedule_session

pytestmark = pytest.mark.django_db


def states(rows) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for occurrence, state in rows.values_list("occurrence", "state"):
        found.setdefault(occurrence, set()).add(state)
    return found


def test_new_session_offsets_cancel_the_dropped_ones_and_plan_the_new_keeping_what_was_sent(
        table, citizen):
    session = schedule_session(table)
    ours = Reminder.objects.filter(session=session, recipient=citizen)
    ours.filter(occurrence="168h").update(state=State.SENT, sent_at=timezone.now())
    schedule_save(schedule=ReminderSchedule(table=table, session_hours_before=[48]))
    assert states(ours) == {"168h": {State.SENT}, "24h": {State.CANCELLED}, "48h": {State.PLANNED}}
    assert ours.get(occurrence="48h").send_at == wall_clock_earlier(session.starts_at, table.zone,
                                                                     timedelta(hours=48))
    # Back to the defaults: the cancelled one is planned again, the sent one is not sent again.
    schedule, = ReminderSchedule.objects.filter(table=table)
    schedule.session_hours_before = []
    schedule_save(schedule=schedule)
    assert states(ours) == {"168h": {State.SENT}, "24h": {State.PLANNED}, "48h": {State.CANCELLED}}


def test_a_past_or_cancelled_session_is_not_planned_again(table, citizen, secretariat):
    from meetings import services as meeting_services

    cancelled = schedule_session(table)
    meeting_services.session_cancel(session=cancelled, actor=secretariat, reason="Sin sala")
    schedule_save(schedule=ReminderSchedule(table=table, session_hours_before=[48]))
    assert not Reminder.objects.filter(session=cancelled, state=State.PLANNED).exists()


def test_new_commitment_offsets_re_plan_its_pending_reminders(table, fge, fiscal):
    agreement = record_agreement(table, institutions=[fge])
    commitment = record_commitment(agreement, institution=fge, responsible_officials=[fiscal])
    ours = Reminder.objects.filter(commitment=commitment, recipient=fiscal)
    schedule_save(schedule=ReminderSchedule(table=table, commitment_days_before=[3]))
    planned = set(ours.filter(state=State.PLANNED).values_list("occurrence", flat=True))
    assert planned == {"3d", "overdue-1"}
    assert set(ours.filter(state=State.CANCELLED).values_list("occurrence", flat=True)) == {"7d", "1d", "0d"}


@pytest.fixture
def staff_client(client, db):
    root = User.objects.create_superuser(email="root@example.org", password="x" * 12, display_name="Root")
    client.force_login(root)
    return client


def _form(table, hours: str) -> dict:
    return {"table": table.pk, "session_hours_before": hours, "commitment_days_before": "",
            "overdue_every_days": 7, "unanswered_working_days": 10}


def test_saving_the_schedule_in_the_admin_re_plans(staff_client, table, citizen):
    session = schedule_session(table)
    response = staff_client.post(reverse("admin:reminders_reminderschedule_add"), _form(table, "48"))
    assert response.status_code == 302
    assert states(Reminder.objects.filter(session=session, recipient=citizen)) == {
        "168h": {State.CANCELLED}, "24h": {State.CANCELLED}, "48h": {State.PLANNED}}


def test_an_offset_out_of_range_is_a_form_error_and_changes_nothing(staff_client, table, citizen):
    session = schedule_session(table)
    response = staff_client.post(reverse("admin:reminders_reminderschedule_add"), _form(table, "0"))
    assert response.status_code == 200
    assert "session_hours_before" in response.context["adminform"].form.errors
    assert not ReminderSchedule.objects.filter(table=table).exists()
    assert states(Reminder.objects.filter(session=session, recipient=citizen)) == {
        "168h": {State.PLANNED}, "24h": {State.PLANNED}}
