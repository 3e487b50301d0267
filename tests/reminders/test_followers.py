"""Followers of a concern or a commitment hear of each answer or update, or get one digest a day,
in their language, and only with what they may still see; nobody hears of their own news."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from commitments import services as commitment_services
from concerns import services as concern_services
from concerns.models import Status, Visibility
from reminders import dispatch, followers
from reminders.models import InboxMessage, Kind, NotificationPreferences, Reminder, State
from tests.commitments.factories import (
    post_update,
    record_agreement,
    record_commitment,
)
from tests.concerns.factories import raise_concern
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

JUAREZ = ZoneInfo("America/Ciudad_Juarez")


@pytest.fixture
def commitment(table, fge, fiscal):
    agreement = record_agreement(table, institutions=[fge])
    return record_commitment(agreement, institution=fge, responsible_officials=[fiscal])


def send_due(now=None) -> list[str]:
    """Send what is due; the states of the followers' rows among them (the session and commitment
    reminders the fixtures plan are not this module's business)."""
    states = {pk: dispatch.send_one(pk, now=now) for pk in dispatch.claim_due(now=now)}
    ours = Reminder.objects.filter(pk__in=states, kind__in=[Kind.FOLLOW_UPDATE, Kind.FOLLOW_DIGEST])
    return [states[pk] for pk in ours.order_by("pk").values_list("pk", flat=True)]


def follower_mail(user) -> list:
    return [email for email in mail.outbox if email.to == [user.email]]


def news_for(user, **filters):
    return Reminder.objects.filter(recipient=user, kind=Kind.FOLLOW_UPDATE, **filters)


def test_a_follower_of_a_commitment_hears_of_each_action_update_once(table, commitment, fiscal, citizen):
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    commitment_services.follow_set(commitment=commitment, user=fiscal, following=True)
    update = post_update(commitment, fiscal, text="Llegaron 40 agentes del ministerio público.")
    [notice] = Reminder.objects.filter(kind=Kind.FOLLOW_UPDATE)
    assert (notice.recipient, notice.commitment) == (citizen, commitment)
    assert notice.occurrence == f"update-{update.pk}"
    assert not news_for(fiscal).exists()  # the author does not hear of their own update
    assert send_due() == [State.SENT]
    [email] = follower_mail(citizen)
    assert email.subject.startswith("News: " + commitment.code)
    assert "Llegaron 40 agentes del ministerio público." in email.body
    assert "Action update of Fiscalía General del Estado" in email.body
    assert send_due() == []  # nothing twice
    citizen.refresh_from_db()
    assert citizen.inbox_unread == 1
    assert InboxMessage.objects.get(user=citizen).url == commitment.get_absolute_url()


def test_a_commitments_own_replanning_leaves_its_followers_notices_alone(table, commitment, fiscal, citizen,
                                                                          secretariat):
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    post_update(commitment, fiscal)
    commitment_services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    assert news_for(citizen, state=State.PLANNED).count() == 1


def test_planning_the_same_news_twice_makes_no_second_notice(table, commitment, fiscal, citizen):
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    update = post_update(commitment, fiscal)
    assert followers.plan_action_update(update) == 1  # attempted again: the key keeps one row
    assert news_for(citizen).count() == 1


def test_followers_of_a_concern_hear_of_its_official_answer_without_the_reporters_identity(
        table, fge, fiscal, coordinator, citizen):
    reporter = make_member(table).user
    reporter.display_name = "Rosaura Quintanilla Betancourt"
    reporter.save(update_fields=["display_name"])
    concern = raise_concern(table, reporter=reporter, visibility=Visibility.PUBLIC, title="Cobro de piso")
    concern_services.follow_set(concern=concern, user=citizen, following=True)
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=coordinator)
    concern_services.concern_assign(concern=concern, institutions=[fge], actor=coordinator)
    mail.outbox.clear()
    send_due()  # the news of its acceptance
    mail.outbox.clear()
    concern_services.answer_post(concern=concern, institution=fge, author=fiscal,
                                 text="Se abrió una carpeta de investigación.")
    assert send_due() == [State.SENT, State.SENT]  # the follower, and the reporter who follows it
    [notice] = follower_mail(citizen)
    assert "Se abrió una carpeta de investigación." in notice.body
    assert "Cobro de piso" in notice.subject
    for email in mail.outbox:
        if email.to != [reporter.email]:  # the reporter's own notice greets them by name
            assert reporter.display_name not in email.subject + email.body
            assert reporter.email not in email.body


def test_a_change_of_status_reaches_the_followers_but_not_who_made_it(table, coordinator, citizen):
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    concern = raise_concern(table, reporter=citizen)  # the reporter follows their concern
    concern_services.follow_set(concern=concern, user=coordinator, following=True)
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=coordinator)
    assert list(Reminder.objects.filter(kind=Kind.FOLLOW_UPDATE).values_list("recipient", flat=True)) == [
        citizen.pk]
    send_due()
    [email] = follower_mail(citizen)
    assert "Status: Submitted → Accepted" in email.body


def test_a_follower_who_can_no_longer_see_the_concern_is_skipped(table, coordinator, secretariat, citizen):
    concern = raise_concern(table, reporter=make_member(table).user)
    concern_services.follow_set(concern=concern, user=citizen, following=True)
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=coordinator)
    concern_services.concern_hide(concern=concern, actor=secretariat, reason="Datos personales")
    send_due()
    assert news_for(citizen).get().state == State.SKIPPED  # the reporter still sees it, and hears
    assert not follower_mail(citizen)


def test_the_daily_digest_gathers_the_days_news_in_one_message_at_18_local(table, commitment, fiscal,
                                                                           citizen):
    table.time_zone = "America/Ciudad_Juarez"
    table.save(update_fields=["time_zone"])
    NotificationPreferences.objects.create(user=citizen, follow_digest=True)
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    morning = datetime(2026, 11, 30, 10, 0, tzinfo=JUAREZ)
    with time_machine.travel(morning, tick=False):
        post_update(commitment, fiscal, text="Primer avance: llegaron 10 agentes.")
    with time_machine.travel(morning + timedelta(hours=5), tick=False):
        post_update(commitment, fiscal, text="Segundo avance: llegaron 20 agentes más.")
    [digest] = Reminder.objects.filter(recipient=citizen)
    assert digest.kind == Kind.FOLLOW_DIGEST and digest.occurrence == "2026-11-30"
    assert digest.send_at == datetime(2026, 11, 30, 18, 0, tzinfo=JUAREZ)
    assert send_due(now=morning + timedelta(hours=7)) == []  # 17:00: not yet
    assert send_due(now=digest.send_at + timedelta(seconds=30)) == [State.SENT]
    [email] = follower_mail(citizen)
    assert "2 pieces of news" in email.subject or "2 novedades" in email.subject
    first, second = email.body.index("Primer avance"), email.body.index("Segundo avance")
    assert first < second


def test_news_after_18_goes_to_the_next_evenings_digest(table, commitment, fiscal, citizen):
    table.time_zone = "America/Ciudad_Juarez"
    table.save(update_fields=["time_zone"])
    NotificationPreferences.objects.create(user=citizen, follow_digest=True)
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    with time_machine.travel(datetime(2026, 11, 30, 19, 30, tzinfo=JUAREZ), tick=False):
        post_update(commitment, fiscal, text="Avance de la noche.")
    [digest] = Reminder.objects.filter(recipient=citizen)
    assert digest.send_at == datetime(2026, 12, 1, 18, 0, tzinfo=JUAREZ)
    send_due(now=digest.send_at + timedelta(seconds=1))
    assert "Avance de la noche." in follower_mail(citizen)[0].body


def test_a_digest_with_nothing_left_to_tell_is_skipped(table, commitment, fiscal, citizen):
    NotificationPreferences.objects.create(user=citizen, follow_digest=True)
    commitment_services.follow_set(commitment=commitment, user=citizen, following=True)
    post_update(commitment, fiscal)
    commitment_services.follow_set(commitment=commitment, user=citizen, following=False)
    digest = Reminder.objects.get(recipient=citizen)
    assert send_due(now=digest.send_at + timedelta(seconds=1)) == [State.SKIPPED]
    assert not follower_mail(citizen)


def test_following_a_commitment_from_its_page(client, table, commitment, citizen):
    url = reverse("commitments:follow", kwargs={"table_slug": table.slug, "pk": commitment.pk})
    client.force_login(citizen)
    response = client.post(url, {"action": "follow"}, follow=True)
    assert "Stop following" in response.content.decode() or "Dejar de seguir" in response.content.decode()
    assert commitment.follows.filter(user=citizen).exists()
    client.post(url, {"action": "unfollow"})
    assert not commitment.follows.filter(user=citizen).exists()


def test_following_is_refused_to_someone_who_cannot_see_it_or_is_not_signed_in(client, table, commitment,
                                                                               outsider):
    url = reverse("commitments:follow", kwargs={"table_slug": table.slug, "pk": commitment.pk})
    assert client.post(url).status_code == 302  # to sign in
    session = commitment.agreement.session
    session.is_public = False
    session.save(update_fields=["is_public"])
    client.force_login(outsider)
    assert client.post(url, {"action": "follow"}).status_code == 404
    assert not commitment.follows.exists()


def test_following_a_commitment_through_the_api(as_user, table, commitment, citizen, outsider):
    url = f"/api/v1/commitments/{commitment.pk}/follow/"
    assert as_user(None).post(url).status_code in (401, 403)
    response = as_user(citizen).post(url)
    assert response.status_code == 200 and response.json()["viewer"]["following"] is True
    response = as_user(citizen).delete(url)
    assert response.status_code == 200 and response.json()["viewer"]["following"] is False
    assert not commitment.follows.exists()
