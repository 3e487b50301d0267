"""Nothing silently changes or disappears: PostgreSQL keeps a hash-chained history of
commitments, due-date moves, action updates (and agreements and minutes), refuses to
delete or truncate them, and verify_history tells when a history row was touched."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from commitments import services
from commitments.models import ActionUpdate, Commitment
from meetings.models import Agreement
from mesa.history import chained_event_models, verify_history
from tests.commitments.factories import post_update

pytestmark = pytest.mark.django_db


def history(commitment):
    return list(commitment.events.order_by("pgh_id").values_list("pgh_label", "delivered", "description"))


def run_sql(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def behind_the_applications_back(sql: str, params=()):
    """Run SQL with every trigger switched off, as a superuser could."""
    run_sql("SET session_replication_role = replica")
    try:
        run_sql(sql, params)
    finally:
        run_sql("SET session_replication_role = origin")


def test_a_change_through_a_service_leaves_a_history_row_naming_who(commitment, secretariat, as_user):
    client = as_user(secretariat)
    response = client.post(f"/api/v1/commitments/{commitment.pk}/move-due-date/", {
        "due_on": (commitment.due_on + timedelta(days=30)).isoformat(), "reason": "Acordado en pleno.",
    }, format="json")
    assert response.status_code == 200, response.content
    last = commitment.events.order_by("pgh_id").last()
    assert (last.pgh_label, last.due_on) == ("update", commitment.due_on + timedelta(days=30))
    assert last.pgh_context["user"] == secretariat.pk
    assert last.pgh_context["url"] == f"/api/v1/commitments/{commitment.pk}/move-due-date/"


def test_a_queryset_update_leaves_a_history_row(commitment):
    Commitment.objects.filter(pk=commitment.pk).update(description="Reescrito en bloque")
    assert history(commitment)[-1] == ("update", 0, "Reescrito en bloque")


def test_raw_sql_leaves_a_history_row(commitment):
    run_sql("UPDATE commitments_commitment SET description = %s WHERE id = %s", ["Por SQL", commitment.pk])
    assert history(commitment) == [("insert", 0, commitment.description), ("update", 0, "Por SQL")]


def test_each_history_row_links_to_the_one_before(commitment, fge_official):
    post_update(commitment, fge_official, delivered_change=20)
    events = list(commitment.events.order_by("pgh_id"))
    assert len(events) == 2
    assert events[0].pgh_prev_hash == ""
    assert events[1].pgh_prev_hash == events[0].pgh_hash
    assert len({e.pgh_hash for e in events}) == 2


@pytest.mark.parametrize("sql", [
    "DELETE FROM commitments_commitment",
    "TRUNCATE commitments_commitment CASCADE",
    "DELETE FROM commitments_actionupdate",
    "TRUNCATE commitments_actionupdate CASCADE",
    "UPDATE commitments_actionupdate SET text = 'reescrito'",
    "DELETE FROM commitments_duedatechange",
    "DELETE FROM commitments_commitmentevent",
    "UPDATE commitments_commitmentevent SET description = 'reescrito'",
    "TRUNCATE commitments_commitmentevent",
    "TRUNCATE commitments_actionupdateevent",
    "DELETE FROM meetings_agreement",
    "TRUNCATE meetings_agreement CASCADE",
    "DELETE FROM meetings_agreementevent",
    "TRUNCATE meetings_minutesevent",
    "TRUNCATE meetings_minutes CASCADE",
])
def test_the_database_refuses_to_erase_or_rewrite_the_record(commitment, fge_official, secretariat, sql):
    post_update(commitment, fge_official, delivered_change=20)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                      due_on=commitment.due_on + timedelta(days=7), reason="Pleno")
    run_sql("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the test's pending FK checks
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        run_sql(sql)
    assert Commitment.objects.count() == 1 and ActionUpdate.objects.count() == 1
    assert Agreement.objects.count() == 1


def test_a_withdrawn_commitment_cannot_be_reopened_even_in_sql(commitment, secretariat):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="withdrawn",
                                   reason="La fiscalía no tiene presupuesto.")
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        run_sql("UPDATE commitments_commitment SET status = 'open' WHERE id = %s", [commitment.pk])


def test_what_a_commitment_is_never_changes_even_in_sql(commitment, police):
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        run_sql("UPDATE commitments_commitment SET institution_id = %s WHERE id = %s",
                [police.pk, commitment.pk])
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        run_sql("UPDATE commitments_commitment SET original_due_on = original_due_on + 1")


def test_verify_history_passes_on_honest_data(commitment, fge_official, secretariat):
    post_update(commitment, fge_official, delivered_change=20)
    Commitment.objects.filter(pk=commitment.pk).update(description="Otra redacción")
    assert verify_history() == []
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "no problems" in out.getvalue().lower()


def test_verify_history_reports_a_history_row_edited_with_raw_sql(commitment, fge_official):
    post_update(commitment, fge_official, delivered_change=20)
    first = commitment.events.order_by("pgh_id").first()
    behind_the_applications_back(
        "UPDATE commitments_commitmentevent SET requested = 20 WHERE pgh_id = %s", [first.pgh_id])
    problems = verify_history()
    assert [(p.event_model, p.record_id, p.event_id) for p in problems] == [
        ("commitments.CommitmentEvent", str(commitment.pk), first.pgh_id)]
    assert "edited" in problems[0].problem
    with pytest.raises(CommandError):
        call_command("verify_history", stdout=StringIO(), stderr=StringIO())


def test_verify_history_reports_a_removed_history_row(commitment, fge_official):
    post_update(commitment, fge_official, delivered_change=20)
    post_update(commitment, fge_official, delivered_change=20)
    middle = commitment.events.order_by("pgh_id")[1]
    behind_the_applications_back("DELETE FROM commitments_commitmentevent WHERE pgh_id = %s", [middle.pgh_id])
    problems = verify_history()
    assert len(problems) == 1 and "removed" in problems[0].problem


def test_verify_history_reports_a_change_made_with_the_triggers_off(commitment):
    behind_the_applications_back("UPDATE commitments_commitment SET delivered = 200 WHERE id = %s",
                                 [commitment.pk])
    problems = verify_history()
    assert [(p.record_id, p.event_id) for p in problems] == [(str(commitment.pk), None)]
    assert "without a trace" in problems[0].problem


def test_verify_history_covers_agreements_and_minutes(agreement):
    labels = {model._meta.label for model in chained_event_models()}
    assert {"meetings.AgreementEvent", "meetings.MinutesEvent", "commitments.ActionUpdateEvent"} <= labels
    behind_the_applications_back("UPDATE meetings_agreementevent SET text = 'Otro texto'")
    assert {p.event_model for p in verify_history()} == {"meetings.AgreementEvent"}
