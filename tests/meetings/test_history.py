"""The record is the table's memory: PostgreSQL refuses to delete or rewrite approved
minutes and agreements, whatever code or SQL asks, and keeps every version."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from meetings import services
from meetings.models import Agreement, Minutes, Session, SessionChange
from tests.accounts.factories import api_token
from tests.meetings.factories import held_session, schedule_session

pytestmark = pytest.mark.django_db


def _refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except DatabaseError as error:
        assert "pgtrigger" in str(error)
        return True
    return False


def _sql(statement: str, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    return run


@pytest.fixture
def approved_minutes(table, secretariat):
    session = held_session(table)
    draft = services.minutes_draft(session=session, actor=secretariat, text="Asistieron 12 personas.")
    return services.minutes_approve(minutes=draft, actor=secretariat)


@pytest.fixture
def agreement(table, secretariat):
    return services.agreement_record(session=held_session(table), actor=secretariat,
                                     text="La fiscalía enviará 40 agentes.")


def test_approved_minutes_cannot_be_updated_by_queryset_or_raw_sql(approved_minutes):
    assert _refused(lambda: Minutes.objects.filter(pk=approved_minutes.pk).update(text="Asistieron 2."))
    assert _refused(_sql("UPDATE meetings_minutes SET text = 'x' WHERE id = %s", approved_minutes.pk))
    approved_minutes.text = "Asistieron 2."
    assert _refused(approved_minutes.save)
    assert Minutes.objects.get(pk=approved_minutes.pk).text == "Asistieron 12 personas."


def test_minutes_are_never_deleted(approved_minutes, table, secretariat):
    draft = services.minutes_draft(session=held_session(table), actor=secretariat, text="Borrador")
    assert _refused(lambda: Minutes.objects.filter(pk=approved_minutes.pk).delete())
    assert _refused(_sql("DELETE FROM meetings_minutes WHERE id = %s", draft.pk))
    assert Minutes.objects.count() == 2


def test_draft_minutes_change_and_every_version_is_in_the_history(table, secretariat):
    session = held_session(table)
    draft = services.minutes_draft(session=session, actor=secretariat, text="Primera redacción")
    services.minutes_draft(session=session, actor=secretariat, text="Segunda redacción")
    services.minutes_approve(minutes=draft, actor=secretariat)
    events = draft.events.order_by("pgh_id").values_list("pgh_label", "text")
    assert list(events) == [("insert", "Primera redacción"), ("update", "Segunda redacción"),
                            ("update", "Segunda redacción")]


def test_agreement_text_cannot_be_rewritten_and_history_shows_the_original(agreement):
    assert _refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(text="Enviará 4 agentes."))
    assert _refused(_sql("UPDATE meetings_agreement SET code = 'PL-1999-01/1' WHERE id = %s", agreement.pk))
    assert _refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(number=9))
    assert Agreement.objects.get(pk=agreement.pk).text == "La fiscalía enviará 40 agentes."
    assert list(agreement.events.values_list("pgh_label", "text")) == [
        ("insert", "La fiscalía enviará 40 agentes.")]


def test_agreements_are_never_deleted(agreement):
    assert _refused(lambda: Agreement.objects.filter(pk=agreement.pk).delete())
    assert _refused(_sql("DELETE FROM meetings_agreement WHERE id = %s", agreement.pk))
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_a_withdrawn_agreement_stays_withdrawn(agreement, secretariat):
    services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Duplicado")
    assert _refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(
        withdrawn_at=None, withdrawn_by=None, withdrawal_reason=""))
    labels = list(agreement.events.order_by("pgh_id").values_list("pgh_label", "withdrawal_reason"))
    assert labels == [("insert", ""), ("update", "Duplicado")]


def test_session_timeline_is_append_only(table, secretariat):
    session = schedule_session(table)
    change = session.changes.get()
    assert _refused(lambda: SessionChange.objects.filter(pk=change.pk).update(reason="otra"))
    assert _refused(lambda: SessionChange.objects.filter(pk=change.pk).delete())


def test_session_history_keeps_the_time_before_a_raw_update(table):
    session = schedule_session(table)
    original = session.starts_at
    Session.objects.filter(pk=session.pk).update(place="Otra sala")
    assert list(session.events.order_by("pgh_id").values_list("pgh_label", "starts_at", "place")) == [
        ("insert", original, "Sala de Cabildo"), ("update", original, "Otra sala")]


def test_history_says_who_withdrew_an_agreement_through_the_api_with_a_token(api, agreement, secretariat):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(secretariat)}")
    response = api.post(f"/api/v1/agreements/{agreement.pk}/withdraw/", {"reason": "Duplicado"},
                        format="json")
    assert response.status_code == 200, response.content
    update = agreement.events.get(pgh_label="update")
    assert update.pgh_context["user"] == secretariat.pk
    assert update.pgh_context["url"] == f"/api/v1/agreements/{agreement.pk}/withdraw/"
