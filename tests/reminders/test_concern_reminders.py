"""A concern without an official answer N working days (default 10, public holidays of the table's
country not counted) after it was accepted is reminded at 09:00 on the table's clock, then weekly
while unanswered, to the assigned institutions' verified officials and the subcommittee's
coordinators; planned in the same transaction as the concern's change, sent once, in each
recipient's language, never naming its reporter."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from concerns import services
from concerns.models import Concern, Status, Visibility
from mesa import services as mesa_services
from mesa.models import Role
from reminders import dispatch
from reminders.concern_planner import plan_concern, working_days_after
from reminders.models import InboxMessage, Kind, Reminder, ReminderSchedule, State
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
JUAREZ = ZoneInfo("America/Ciudad_Juarez")
# Thursday 10 December 2026, 23:30 in Ciudad Juárez: already Friday the 11th in UTC.
ACCEPTED = datetime(2026, 12, 10, 23, 30, tzinfo=JUAREZ)
# Ten working days later on the table's clock, Christmas not counted: Thursday 24 December, 09:00.
FIRST = datetime(2026, 12, 24, 9, tzinfo=JUAREZ)

REPORTER_NAME = "Xóchitl Quetzalli Reportera"
REPORTER_EMAIL = "xochitl.quetzalli@example.org"
TITLE = "Extorsión a comerciantes del mercado Cuauhtémoc"
DESCRIPTION = "Los hombres de la camioneta gris vuelven cada jueves."


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.order_by("pk")[0]


@pytest.fixture
def coordinator(table, subcommittee):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def fge(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE")


@pytest.fixture
def fiscal(table, fge):
    return make_member(table, Role.OFFICIAL, institution=fge).user


@pytest.fixture
def reporter(table):
    user = UserFactory(display_name=REPORTER_NAME, email=REPORTER_EMAIL)
    return make_member(table, Role.CITIZEN, user=user).user


@pytest.fixture
def concern(table, subcommittee, reporter, coordinator, fiscal):
    """Restricted, raised by a reporter who must never be named. The reporter stops following it,
    so that only this module's reminders go out (followers' news: tests/reminders/test_followers.py)."""
    concern = raise_concern(table, reporter=reporter, subcommittee=subcommittee,
                            visibility=Visibility.RESTRICTED, title=TITLE, description=DESCRIPTION)
    services.follow_set(concern=concern, user=reporter, following=False)
    return concern


def accept(concern, actor, when=ACCEPTED) -> Concern:
    with time_machine.travel(when, tick=False):
        return services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=actor)


def accepted_and_assigned(concern, secretariat, institutions, when=ACCEPTED) -> Concern:
    accept(concern, secretariat, when)
    with time_machine.travel(when + timedelta(minutes=5), tick=False):
        return services.concern_assign(concern=concern, institutions=institutions, actor=secretariat)


def answer(concern, institution, official):
    return services.answer_post(concern=concern, institution=institution, author=official,
                                text="Se abrió la carpeta de investigación 123/2026.")


def rows(concern, **filters):
    return Reminder.objects.filter(concern=concern, kind=Kind.CONCERN_UNANSWERED, **filters)


def planned(concern) -> dict[int, tuple[str, datetime]]:
    return {r: (o, s) for r, o, s in rows(concern, state=State.PLANNED)
            .values_list("recipient_id", "occurrence", "send_at")}


def send_due(now):
    with time_machine.travel(now, tick=False):
        return {pk: dispatch.send_one(pk, now=now) for pk in dispatch.claim_due(now=now)}


def set_language(user, language):
    user.language = language
    user.save(update_fields=["language"])


# --- Working days -------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 9, 14), 1, date(2026, 9, 15)),  # Monday to Tuesday
    (date(2026, 9, 15), 1, date(2026, 9, 17)),  # Independence Day (Wednesday 16 September) skipped
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas on Friday, then the weekend
    (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day (Friday) of the next year
    (date(2027, 1, 29), 1, date(2027, 2, 2)),  # Constitution Day, the first Monday of February
    (date(2026, 11, 13), 1, date(2026, 11, 17)),  # Revolution Day, the third Monday of November
    (date(2026, 9, 11), 10, date(2026, 9, 28)),  # ten working days around Independence Day
    (date(2026, 9, 12), 1, date(2026, 9, 14)),  # from a Saturday: the Monday
])
def test_working_days_skip_weekends_and_mexican_public_holidays(start, n, expected):
    assert working_days_after(start, n, "MX") == expected


def test_an_unknown_country_counts_only_weekends():
    assert working_days_after(date(2026, 9, 15), 1, "ZZ") == date(2026, 9, 16)
    assert working_days_after(date(2026, 12, 24), 1, "") == date(2026, 12, 25)


# --- Planning -----------------------------------------------------------------------------


def test_the_first_reminder_is_ten_working_days_after_acceptance_at_nine_on_the_tables_clock(
        table, concern, secretariat, fiscal, coordinator, fge):
    accepted_and_assigned(concern, secretariat, [fge])
    row = rows(concern, recipient=fiscal).get()
    assert (row.kind, row.occurrence, row.state) == (Kind.CONCERN_UNANSWERED, "unanswered-1", State.PLANNED)
    assert row.key == f"concern_unanswered:concern:{concern.pk}:user:{fiscal.pk}:unanswered-1"
    # Counted from the local day it was accepted (Thursday), not the UTC one (Friday).
    assert row.send_at == datetime(2026, 12, 24, 16, tzinfo=UTC) == FIRST
    assert timezone.localtime(row.send_at, JUAREZ).hour == 9


def test_the_tables_schedule_sets_the_working_days(table, concern, secretariat, fiscal, fge):
    ReminderSchedule.objects.create(table=table, unanswered_working_days=3)
    # Tuesday 15 September 2026; Independence Day on Wednesday does not count.
    accepted_and_assigned(concern, secretariat, [fge], when=datetime(2026, 9, 15, 10, tzinfo=JUAREZ))
    row = rows(concern, recipient=fiscal).get()
    assert row.send_at == datetime(2026, 9, 21, 9, tzinfo=JUAREZ)
    assert row.send_at == datetime(2026, 9, 21, 15, tzinfo=UTC)  # daylight time, UTC-6


def test_changing_the_tables_working_days_moves_what_waits(table, concern, secretariat, fiscal, fge):
    from reminders.services import schedule_save

    accepted_and_assigned(concern, secretariat, [fge])
    assert rows(concern, recipient=fiscal).get().send_at == FIRST
    schedule_save(schedule=ReminderSchedule(table=table, unanswered_working_days=5),
                  now=ACCEPTED + timedelta(hours=1))
    # Five working days after Thursday 10 December: Thursday 17 December, 09:00.
    assert planned(concern)[fiscal.pk] == ("unanswered-1", datetime(2026, 12, 17, 9, tzinfo=JUAREZ))
    assert rows(concern, recipient=fiscal).count() == 1


def test_recipients_are_the_assigned_institutions_verified_officials_and_the_subcommittees_coordinators(
        table, concern, secretariat, fiscal, coordinator, fge, reporter, citizen, subcommittee):
    unverified = make_member(table, Role.OFFICIAL, institution=fge, verified=False).user
    elsewhere = make_member(table, Role.OFFICIAL).user  # of an institution not asked to answer
    other_coordinator = make_member(table, Role.COORDINATOR).user
    other_subcommittee = table.subcommittees.exclude(pk=subcommittee.pk).first()
    subcommittee_set_coordinators(subcommittee=other_subcommittee, users=[other_coordinator])
    accepted_and_assigned(concern, secretariat, [fge])
    assert set(rows(concern).values_list("recipient_id", flat=True)) == {fiscal.pk, coordinator.pk}
    assert not rows(concern, recipient__in=[unverified, elsewhere, other_coordinator, reporter, citizen,
                                            secretariat]).exists()


def test_an_accepted_concern_not_yet_assigned_reminds_its_coordinators(concern, secretariat, coordinator):
    accept(concern, secretariat)
    assert planned(concern) == {coordinator.pk: ("unanswered-1", FIRST)}


def test_asking_another_institution_to_answer_adds_its_officials(table, concern, secretariat, fiscal, fge):
    accepted_and_assigned(concern, secretariat, [fge])
    sspm = InstitutionFactory(table=table, name="Secretaría de Seguridad Pública Municipal")
    agent = make_member(table, Role.OFFICIAL, institution=sspm).user
    with time_machine.travel(ACCEPTED + timedelta(days=1), tick=False):
        services.concern_assign(concern=concern, institutions=[sspm], actor=secretariat)
    assert planned(concern)[agent.pk] == ("unanswered-1", FIRST)
    assert planned(concern)[fiscal.pk] == ("unanswered-1", FIRST)


def test_a_concern_sent_to_another_subcommittee_reminds_its_coordinators_instead(
        table, concern, secretariat, coordinator, subcommittee):
    accept(concern, secretariat)
    other = table.subcommittees.exclude(pk=subcommittee.pk).first()
    newcomer = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=other, users=[newcomer])
    with time_machine.travel(ACCEPTED + timedelta(days=1), tick=False):
        services.concern_reroute(concern=concern, subcommittee=other, actor=secretariat,
                                 reason="Es un tema de amenazas")
    assert planned(concern) == {newcomer.pk: ("unanswered-1", FIRST)}
    assert rows(concern, recipient=coordinator).get().state == State.CANCELLED


def test_planning_twice_adds_nothing_and_keys_are_unique(concern, secretariat, fge):
    concern = accepted_and_assigned(concern, secretariat, [fge])
    before = list(rows(concern).order_by("pk").values_list("key", "send_at", "state"))
    with time_machine.travel(ACCEPTED + timedelta(days=2), tick=False):
        plan_concern(concern)
        plan_concern(concern)
    assert list(rows(concern).order_by("pk").values_list("key", "send_at", "state")) == before
    assert len({key for key, _send_at, _state in before}) == len(before) == 2


@pytest.mark.parametrize("officials", [1, 10])
def test_planning_takes_the_same_queries_for_one_or_ten_officials(
        table, concern, secretariat, fge, officials, django_assert_max_num_queries):
    for _ in range(officials - 1):
        make_member(table, Role.OFFICIAL, institution=fge)
    concern = accepted_and_assigned(concern, secretariat, [fge])
    Reminder.objects.filter(concern=concern).delete()
    concern = Concern.objects.select_related("table").get(pk=concern.pk)
    # schedule, recipients, their object permissions, who may read it (one union), cancel leavers,
    # used occurrences, cancel stale, move, re-plan never sent, insert
    with django_assert_max_num_queries(10), time_machine.travel(ACCEPTED + timedelta(days=1), tick=False):
        plan_concern(concern)
    assert rows(concern).count() == officials + 1


def test_an_official_answer_cancels_the_planned_reminders(concern, secretariat, fiscal, fge):
    accepted_and_assigned(concern, secretariat, [fge])
    answer(concern, fge, fiscal)
    assert set(rows(concern).values_list("state", flat=True)) == {State.CANCELLED}


def test_a_rejected_concern_is_not_reminded(concern, secretariat):
    services.concern_set_status(concern=concern, status=Status.REJECTED, actor=secretariat,
                                reason="No es competencia de la mesa")
    assert not rows(concern).exists()


@pytest.mark.parametrize("change", ["close", "hide", "duplicate"])
def test_closing_hiding_or_marking_a_duplicate_cancels_the_planned_reminders(
        table, concern, secretariat, fge, change):
    accepted_and_assigned(concern, secretariat, [fge])
    if change == "close":
        services.concern_set_status(concern=concern, status=Status.CLOSED, actor=secretariat)
    elif change == "hide":
        services.concern_hide(concern=concern, actor=secretariat, reason="Datos personales de terceros")
    else:
        original = raise_concern(table, reporter=make_member(table).user, title="Cobro de piso en el mercado")
        services.concern_mark_duplicate(concern=concern, original=original, actor=secretariat)
    assert set(rows(concern).values_list("state", flat=True)) == {State.CANCELLED}


def test_showing_a_hidden_concern_again_plans_its_reminders_again(concern, secretariat, fge, fiscal):
    accepted_and_assigned(concern, secretariat, [fge])
    with time_machine.travel(ACCEPTED + timedelta(days=1), tick=False):
        services.concern_hide(concern=concern, actor=secretariat, reason="Revisión")
        services.concern_unhide(concern=concern, actor=secretariat)
    assert planned(concern)[fiscal.pk] == ("unanswered-1", FIRST)
    assert rows(concern).count() == 2


def test_a_reopened_concern_that_never_had_an_official_answer_is_reminded_again_from_the_next_week(
        concern, secretariat, fge, fiscal, reporter):
    accepted_and_assigned(concern, secretariat, [fge])
    later = ACCEPTED + timedelta(days=30)  # Saturday 9 January 2027
    with time_machine.travel(later, tick=False):
        services.concern_set_status(concern=concern, status=Status.CLOSED, actor=secretariat)
        assert not rows(concern, state=State.PLANNED).exists()
        services.concern_reopen(concern=concern, actor=reporter, reason="Siguen cobrando")
    # The next weekly moment still ahead: 24 and 31 December, 7 January have passed.
    assert planned(concern)[fiscal.pk] == ("unanswered-1", datetime(2027, 1, 14, 9, tzinfo=JUAREZ))


# --- Sending ------------------------------------------------------------------------------


def test_each_recipient_is_reminded_once_in_their_language_without_anything_of_the_reporter(
        concern, secretariat, fiscal, coordinator, fge, subcommittee):
    set_language(fiscal, "es")
    set_language(coordinator, "en")
    accepted_and_assigned(concern, secretariat, [fge])
    now = FIRST + timedelta(seconds=1)
    results = send_due(now)
    assert sorted(results.values()) == [State.SENT, State.SENT]
    assert send_due(now) == {}  # nothing goes twice
    by_person = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_person) == sorted([fiscal.email, coordinator.email])
    assert len(mail.outbox) == 2
    english, spanish = by_person[coordinator.email], by_person[fiscal.email]
    link = settings.MESA_BASE_URL + concern.get_absolute_url()
    assert english.subject == f"Still without an official answer: {TITLE}"
    assert "has had no official answer for 10 working days since it was accepted" in english.body
    assert "Accepted on: Thursday 10 December 2026" in english.body
    assert f"Subcommittee: {subcommittee.name_en}" in english.body
    assert "Institutions asked to answer: Fiscalía General del Estado" in english.body
    assert spanish.body.startswith(f"Hola, {fiscal.display_name}:")
    assert f"Subcomisión: {subcommittee.name_es}" in spanish.body
    assert "jueves 10 diciembre 2026" in spanish.body
    for message in (english, spanish):
        assert link in message.body
        assert "Cuauhtémoc" in message.subject
        for secret in (REPORTER_NAME, "Xóchitl", REPORTER_EMAIL, "xochitl", DESCRIPTION, "camioneta"):
            assert secret not in message.subject
            assert secret not in message.body
    inbox = InboxMessage.objects.get(user=fiscal)
    assert inbox.url == concern.get_absolute_url()
    assert REPORTER_NAME not in inbox.body


def test_after_a_reminder_is_sent_the_next_is_planned_a_week_later_at_nine(concern, secretariat, fiscal, fge):
    accepted_and_assigned(concern, secretariat, [fge])
    send_due(FIRST + timedelta(seconds=1))
    assert set(rows(concern, occurrence="unanswered-1").values_list("state", flat=True)) == {State.SENT}
    following = rows(concern, recipient=fiscal, occurrence="unanswered-2").get()
    assert following.state == State.PLANNED
    assert following.send_at == datetime(2026, 12, 31, 9, tzinfo=JUAREZ)
    assert following.key == f"concern_unanswered:concern:{concern.pk}:user:{fiscal.pk}:unanswered-2"
    # And the week after, once that one is sent.
    send_due(following.send_at + timedelta(seconds=1))
    assert rows(concern, recipient=fiscal, occurrence="unanswered-3").get().send_at == \
        datetime(2027, 1, 7, 9, tzinfo=JUAREZ)
    assert len([m for m in mail.outbox if m.to == [fiscal.email]]) == 2


def test_after_a_downtime_one_reminder_goes_out_and_the_next_is_ahead(concern, secretariat, fiscal, fge):
    set_language(fiscal, "en")
    accepted_and_assigned(concern, secretariat, [fge])
    now = FIRST + timedelta(days=15)  # the dispatcher was down for two weeks: Friday 8 January
    send_due(now)
    sent = [m for m in mail.outbox if m.to == [fiscal.email]]
    assert len(sent) == 1
    # Counted to the day it went out: 11 December to 8 January, Christmas and New Year's Day not.
    assert "for 19 working days" in sent[0].body
    following = rows(concern, recipient=fiscal, state=State.PLANNED).get()
    assert following.occurrence == "unanswered-2"
    assert following.send_at == datetime(2027, 1, 14, 9, tzinfo=JUAREZ) > now
    assert send_due(now) == {}  # no burst


def test_a_concern_answered_after_its_reminder_was_claimed_is_skipped(concern, secretariat, fiscal, fge):
    accepted_and_assigned(concern, secretariat, [fge])
    now = FIRST + timedelta(seconds=1)
    claimed = dispatch.claim_due(now=now)
    assert len(claimed) == 2
    answer(concern, fge, fiscal)
    assert {dispatch.send_one(pk, now=now) for pk in claimed} == {State.SKIPPED}
    assert not mail.outbox
    assert not rows(concern, state=State.PLANNED).exists()


def test_an_official_no_longer_of_the_institution_is_not_reminded(
        table, concern, secretariat, fiscal, fge, coordinator):
    accepted_and_assigned(concern, secretariat, [fge])
    now = FIRST + timedelta(seconds=1)
    claimed = dispatch.claim_due(now=now)
    membership = table.memberships.active().get(user=fiscal)
    mesa_services.membership_change_role(membership=membership, role=Role.CITIZEN, actor=secretariat)
    with time_machine.travel(now, tick=False):
        results = {Reminder.objects.get(pk=pk).recipient_id: dispatch.send_one(pk, now=now) for pk in claimed}
    assert results[fiscal.pk] == State.SKIPPED
    assert results[coordinator.pk] == State.SENT
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
