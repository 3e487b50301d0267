"""commitments.services: what they do, and the bad input they refuse with a clear error and
nothing saved (no row, no changed value, no history row)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from commitments import services
from commitments.models import (
    QUANTITY_MAX,
    ActionUpdate,
    Commitment,
    CommitmentStatus,
    DeliveryReview,
    DueDateChange,
    UpdateComment,
)
from mesa.history import chained_event_models
from mesa.models import GovernmentLevel
from tests.commitments.factories import institution, post_update, record_agreement, record_commitment

pytestmark = pytest.mark.django_db

JUAREZ = ZoneInfo("America/Ciudad_Juarez")


def saved_state():
    """Every row a service could write, and every history row PostgreSQL keeps of them."""
    return (
        list(Commitment.objects.order_by("pk").values_list(
            "description", "due_on", "status", "status_reason", "unit", "requested", "committed",
            "delivered", "fulfilled_at", "first_update_at")),
        DueDateChange.objects.count(), ActionUpdate.objects.count(), UpdateComment.objects.count(),
        DeliveryReview.objects.count(), Commitment.co_responsible.through.objects.count(),
        Commitment.responsible_officials.through.objects.count(),
        {model._meta.label: model.objects.count() for model in chained_event_models()},
    )


@pytest.fixture
def nothing_saved():
    """`with nothing_saved(field, match):` the block raises a ValidationError naming `field`
    (None: not a field's) with a message matching `match`, and saves nothing."""
    from contextlib import contextmanager

    @contextmanager
    def check(field, match):
        before = saved_state()
        with pytest.raises(ValidationError) as caught:
            yield
        error = caught.value
        if field is None:
            assert not hasattr(error, "error_dict"), error
            messages = error.messages
        else:
            assert field in error.message_dict, error
            messages = error.message_dict[field]
        assert any(match.lower() in m.lower() for m in messages), messages
        assert saved_state() == before

    return check


def update_with(commitment, author, **kwargs):
    return post_update(commitment, author, **kwargs)


def withdraw(commitment, actor):
    return services.commitment_set_status(commitment=commitment, actor=actor, status="withdrawn",
                                          reason="Sin presupuesto.")


# --- Recording ---------------------------------------------------------------------------------


def test_commitments_are_numbered_under_their_agreement(agreement, fge, guard):
    first = record_commitment(agreement, institution=fge)
    second = record_commitment(agreement, institution=guard)
    assert (first.number, second.number) == (1, 2)
    assert first.code == f"{agreement.code}-1" and second.code == f"{agreement.code}-2"
    assert agreement.code.startswith("PL-")
    assert first.original_due_on == first.due_on
    assert first.status == CommitmentStatus.OPEN and first.delivered == 0


def test_a_commitment_keeps_its_partners_and_officials(agreement, fge, guard, fge_official):
    commitment = record_commitment(agreement, institution=fge, co_responsible=[guard],
                                   responsible_officials=[fge_official])
    assert list(commitment.co_responsible.all()) == [guard]
    assert list(commitment.responsible_officials.all()) == [fge_official]


@pytest.mark.parametrize(("quantities", "field", "match"), [
    ({"requested": QUANTITY_MAX + 1}, "requested", "cannot be more than"),
    ({"committed": QUANTITY_MAX + 1}, "committed", "cannot be more than"),
    ({"requested": -1}, "requested", "negative"),
    ({"committed": -40}, "committed", "negative"),
    ({"unit": "", "requested": 200}, "unit", "unit"),
])
def test_recording_refuses_quantities_out_of_bounds(agreement, fge, nothing_saved, quantities, field, match):
    quantities.setdefault("unit", "fiscales")
    with nothing_saved(field, match):
        record_commitment(agreement, institution=fge, **quantities)


def test_recording_refuses_a_due_date_before_the_agreement(agreement, fge, nothing_saved):
    with nothing_saved("due_on", "before the agreement"):
        record_commitment(agreement, institution=fge,
                          due_on=services.agreement_date(agreement) - timedelta(days=1))


def test_a_due_date_on_the_day_of_the_agreement_is_fine(agreement, fge):
    day = services.agreement_date(agreement)
    assert record_commitment(agreement, institution=fge, due_on=day).due_on == day


def test_recording_refuses_an_institution_the_agreement_does_not_name(agreement, police, nothing_saved):
    with nothing_saved("institution", "names"):
        record_commitment(agreement, institution=police)


def test_recording_refuses_a_co_responsible_the_agreement_does_not_name(agreement, fge, police,
                                                                        nothing_saved):
    with nothing_saved("co_responsible", "named by the agreement"):
        record_commitment(agreement, institution=fge, co_responsible=[police])


def test_recording_refuses_a_co_responsible_at_the_same_level(table, fge, guard, nothing_saved):
    ssp = institution(table, "Secretaría de Seguridad Pública del Estado", GovernmentLevel.STATE, "SSPE")
    agreement = record_agreement(table, institutions=[fge, guard, ssp])
    with nothing_saved("co_responsible", "another level"):
        record_commitment(agreement, institution=fge, co_responsible=[ssp])
    with nothing_saved("co_responsible", "another level"):
        record_commitment(agreement, institution=fge, co_responsible=[fge])


@pytest.mark.parametrize("who", ["police_official", "unverified_fge_official", "citizen"])
def test_recording_refuses_officials_not_of_the_institution(request, agreement, fge, nothing_saved, who):
    with nothing_saved("responsible_officials", "verified officials of the responsible institution"):
        record_commitment(agreement, institution=fge, responsible_officials=[request.getfixturevalue(who)])


def test_recording_refuses_an_empty_description(agreement, fge, nothing_saved):
    with nothing_saved("description", "what was committed"):
        record_commitment(agreement, institution=fge, description="   ")


def test_a_withdrawn_agreement_takes_no_commitments(agreement, fge, secretariat, nothing_saved):
    from meetings import services as meeting_services

    meeting_services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Error de captura")
    with nothing_saved(None, "withdrawn"):
        record_commitment(agreement, institution=fge)


# --- Editing --------------------------------------------------------------------------------------


def edit(commitment, actor, **changes):
    values = {"description": commitment.description, "co_responsible": [],
              "responsible_officials": [], "unit": commitment.unit, "requested": commitment.requested,
              "committed": commitment.committed}
    values.update(changes)
    return services.commitment_update(commitment=commitment, actor=actor, **values)


@pytest.mark.parametrize(("changes", "field", "match"), [
    ({"requested": QUANTITY_MAX + 1}, "requested", "cannot be more than"),
    ({"committed": -1}, "committed", "negative"),
    ({"unit": ""}, "unit", "unit"),
    ({"description": ""}, "description", "what was committed"),
])
def test_an_edit_refuses_bad_quantities(commitment, secretariat, nothing_saved, changes, field, match):
    with nothing_saved(field, match):
        edit(commitment, secretariat, **changes)


def test_an_edit_cannot_drop_the_unit_once_something_was_delivered(commitment, secretariat, fge_official,
                                                                   nothing_saved):
    update_with(commitment, fge_official, delivered_change=10)
    with nothing_saved("unit", "unit"):
        edit(commitment, secretariat, unit="", requested=None, committed=None)


def test_an_edit_refuses_officials_of_another_institution(commitment, secretariat, police_official,
                                                          nothing_saved):
    with nothing_saved("responsible_officials", "responsible institution"):
        edit(commitment, secretariat, responsible_officials=[police_official])


def test_an_edit_changes_what_was_committed(commitment, secretariat, guard, fge_official):
    edit(commitment, secretariat, description="Enviar 45 agentes.", committed=45, co_responsible=[guard],
         responsible_officials=[fge_official])
    commitment.refresh_from_db()
    assert (commitment.description, commitment.committed) == ("Enviar 45 agentes.", 45)
    assert list(commitment.co_responsible.all()) == [guard]


# --- Due dates ----------------------------------------------------------------------------------


def test_moving_the_due_date_keeps_the_original_and_records_the_move(table, commitment, secretariat):
    from tests.meetings.factories import held_session

    original = commitment.due_on
    session = held_session(table)
    change = services.commitment_move_due_date(
        commitment=commitment, actor=secretariat, due_on=original + timedelta(days=30),
        reason=" Falta presupuesto ", agreed_at=session, agreed_by="El pleno")
    commitment.refresh_from_db()
    assert (commitment.original_due_on, commitment.due_on) == (original, original + timedelta(days=30))
    assert commitment.due_date_moved
    assert (change.previous_due_on, change.new_due_on, change.reason, change.agreed_at, change.agreed_by,
            change.changed_by) == (original, original + timedelta(days=30), "Falta presupuesto", session,
                                   "El pleno", secretariat)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                      due_on=original + timedelta(days=60), reason="Otra vez")
    commitment.refresh_from_db()
    assert commitment.original_due_on == original
    assert list(commitment.due_date_changes.values_list("previous_due_on", "new_due_on")) == [
        (original, original + timedelta(days=30)),
        (original + timedelta(days=30), original + timedelta(days=60)),
    ]


def test_moving_the_due_date_needs_a_reason(commitment, secretariat, nothing_saved):
    with nothing_saved("reason", "why the due date moves"):
        services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                          due_on=commitment.due_on + timedelta(days=5), reason="  ")


def test_a_due_date_never_moves_before_the_agreement(commitment, secretariat, nothing_saved):
    with nothing_saved("due_on", "before the agreement"):
        services.commitment_move_due_date(
            commitment=commitment, actor=secretariat, reason="Adelantar",
            due_on=services.agreement_date(commitment.agreement) - timedelta(days=1))


def test_moving_to_the_same_date_is_refused(commitment, secretariat, nothing_saved):
    with nothing_saved("due_on", "already the due date"):
        services.commitment_move_due_date(commitment=commitment, actor=secretariat, due_on=commitment.due_on,
                                          reason="Nada")


def test_a_move_agreed_at_another_tables_session_is_refused(other_table, commitment, secretariat,
                                                            nothing_saved):
    from tests.meetings.factories import held_session

    elsewhere = held_session(other_table)
    with nothing_saved("agreed_at", "session of this table"):
        services.commitment_move_due_date(commitment=commitment, actor=secretariat, reason="Pleno",
                                          due_on=commitment.due_on + timedelta(days=5), agreed_at=elsewhere)


def test_a_closed_commitments_due_date_no_longer_moves(commitment, secretariat, nothing_saved):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    with nothing_saved(None, "closed"):
        services.commitment_move_due_date(commitment=commitment, actor=secretariat, reason="Tarde",
                                          due_on=commitment.due_on + timedelta(days=5))


# --- Status ----------------------------------------------------------------------------------------


def test_fulfilled_sets_fulfilled_at_and_reopening_clears_it(commitment, secretariat):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    commitment.refresh_from_db()
    assert commitment.fulfilled_at is not None
    assert (commitment.status_changed_by, commitment.is_closed) == (secretariat, True)
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="in_progress")
    commitment.refresh_from_db()
    assert commitment.fulfilled_at is None


def test_partly_fulfilled_also_sets_fulfilled_at(commitment, secretariat):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="partly_fulfilled",
                                   reason="Llegaron 40 de 200.")
    commitment.refresh_from_db()
    assert commitment.fulfilled_at is not None and commitment.status_reason == "Llegaron 40 de 200."


def test_withdrawing_needs_a_reason(commitment, secretariat, nothing_saved):
    with nothing_saved("reason", "why the commitment is withdrawn"):
        services.commitment_set_status(commitment=commitment, actor=secretariat, status="withdrawn",
                                       reason=" ")


@pytest.mark.parametrize(("status", "field"), [("lost", "status"), ("open", "status")])
def test_an_invalid_or_unchanged_status_is_refused(commitment, secretariat, nothing_saved, status, field):
    with nothing_saved(field, "status"):
        services.commitment_set_status(commitment=commitment, actor=secretariat, status=status)


def test_a_withdrawn_commitment_takes_no_more_changes(commitment, secretariat, nothing_saved):
    withdraw(commitment, secretariat)
    with nothing_saved(None, "withdrawn"):
        services.commitment_set_status(commitment=commitment, actor=secretariat, status="open")
    with nothing_saved(None, "withdrawn"):
        edit(commitment, secretariat, description="Otra cosa")
    with nothing_saved(None, "withdrawn"):
        services.commitment_move_due_date(commitment=commitment, actor=secretariat, reason="x",
                                          due_on=commitment.due_on + timedelta(days=1))


# --- Action updates -----------------------------------------------------------------------------------


def test_the_first_update_moves_the_commitment_in_progress(commitment, fge_official):
    update = update_with(commitment, fge_official, text="Se publicó la convocatoria.")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert commitment.first_update_at == update.created_at
    assert (update.institution, update.author) == (commitment.institution, fge_official)


def test_delivered_quantities_add_up(commitment, fge_official):
    update_with(commitment, fge_official, delivered_change=25)
    update_with(commitment, fge_official, delivered_change=15)
    commitment.refresh_from_db()
    assert commitment.delivered == 40
    assert commitment.delivered_share == 0.2


def test_a_correction_takes_delivered_quantities_back(commitment, fge_official):
    wrong = update_with(commitment, fge_official, delivered_change=40)
    correction = update_with(commitment, fge_official, delivered_change=-10, corrects=wrong,
                             text="Eran 30.")
    commitment.refresh_from_db()
    assert commitment.delivered == 30
    assert correction.corrects == wrong
    assert list(wrong.corrections.all()) == [correction]


def test_an_update_does_not_reopen_a_commitment_in_another_status(commitment, secretariat, fge_official):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="not_fulfilled")
    update_with(commitment, fge_official, delivered_change=5)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.delivered) == ("not_fulfilled", 5)


def test_delivered_above_the_sane_bound_is_refused(commitment, fge_official, nothing_saved):
    with nothing_saved("delivered_change", "must stay between 0 and"):
        update_with(commitment, fge_official, delivered_change=QUANTITY_MAX + 1)
    update_with(commitment, fge_official, delivered_change=QUANTITY_MAX - 5)
    with nothing_saved("delivered_change", "must stay between 0 and"):
        update_with(commitment, fge_official, delivered_change=10)


def test_taking_back_without_a_correction_is_refused(commitment, fge_official, nothing_saved):
    update_with(commitment, fge_official, delivered_change=40)
    with nothing_saved("delivered_change", "only a correction"):
        update_with(commitment, fge_official, delivered_change=-10)


def test_delivered_never_goes_below_zero(commitment, fge_official, nothing_saved):
    wrong = update_with(commitment, fge_official, delivered_change=40)
    with nothing_saved("delivered_change", "must stay between 0 and"):
        update_with(commitment, fge_official, delivered_change=-41, corrects=wrong)


def test_a_correction_names_an_update_of_the_same_commitment(agreement, fge, commitment, fge_official,
                                                             nothing_saved):
    other = record_commitment(agreement, institution=fge, unit="peritos", requested=10)
    elsewhere = update_with(other, fge_official, delivered_change=5)
    with nothing_saved("corrects", "same commitment"):
        update_with(commitment, fge_official, delivered_change=-1, corrects=elsewhere)


def test_a_commitment_without_a_unit_counts_nothing(agreement, guard, table, nothing_saved):
    from tests.commitments.factories import official_of

    commitment = record_commitment(agreement, institution=guard)
    with nothing_saved("delivered_change", "counts no quantity"):
        update_with(commitment, official_of(guard), delivered_change=3)


def test_an_update_on_a_withdrawn_commitment_is_refused(commitment, secretariat, fge_official, nothing_saved):
    withdraw(commitment, secretariat)
    with nothing_saved(None, "withdrawn"):
        update_with(commitment, fge_official, delivered_change=10)


def test_an_update_dated_in_the_future_is_refused(commitment, fge_official, nothing_saved):
    with nothing_saved("action_on", "future"):
        update_with(commitment, fge_official, action_on=commitment.local_today() + timedelta(days=1))


def test_an_update_dated_before_the_agreement_is_refused(commitment, fge_official, nothing_saved):
    with nothing_saved("action_on", "before the agreement"):
        update_with(commitment, fge_official,
                    action_on=services.agreement_date(commitment.agreement) - timedelta(days=1))


def test_an_update_needs_text(commitment, fge_official, nothing_saved):
    with nothing_saved("text", "what was done"):
        update_with(commitment, fge_official, text="  ")


def test_only_the_responsible_institution_posts_updates(commitment, police, police_official, nothing_saved):
    with nothing_saved(None, "responsible institution"):
        services.update_post(commitment=commitment, actor=police_official, institution=police,
                             text="Nosotros también.", action_on=commitment.local_today())


def test_a_comment_needs_text(commitment, fge_official, secretariat, nothing_saved):
    update = update_with(commitment, fge_official)
    with nothing_saved("text", "write the comment"):
        services.update_comment(update=update, actor=secretariat, text=" ")
    comment = services.update_comment(update=update, actor=secretariat, text=" ¿Cuándo llegan? ")
    assert (comment.text, comment.author) == ("¿Cuándo llegan?", secretariat)


# --- Delivery reviews -------------------------------------------------------------------------------


def test_reviewing_before_the_due_date_is_refused(commitment, citizen, nothing_saved):
    with nothing_saved(None, "once the due date has come"):
        services.delivery_review(commitment=commitment, user=citizen, verdict="confirmed")


def test_disputing_needs_a_comment(commitment, secretariat, citizen, nothing_saved):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    with nothing_saved("comment", "what you dispute"):
        services.delivery_review(commitment=commitment, user=citizen, verdict="disputed", comment=" ")


def test_an_invalid_verdict_is_refused(commitment, secretariat, citizen, nothing_saved):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    with nothing_saved("verdict", "confirm or dispute"):
        services.delivery_review(commitment=commitment, user=citizen, verdict="maybe")


def test_a_withdrawn_commitment_takes_no_reviews(commitment, secretariat, citizen, nothing_saved):
    withdraw(commitment, secretariat)
    with nothing_saved(None, "due date"):
        services.delivery_review(commitment=commitment, user=citizen, verdict="confirmed")


def test_a_second_review_replaces_the_first_and_history_keeps_both(commitment, secretariat, citizen):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    services.delivery_review(commitment=commitment, user=citizen, verdict="disputed", comment="Faltan.")
    review = services.delivery_review(commitment=commitment, user=citizen, verdict="confirmed")
    assert DeliveryReview.objects.get() == review and review.verdict == "confirmed"
    assert [e.verdict for e in review.events.order_by("pgh_id")] == ["disputed", "confirmed"]


# --- Overdue: derived, on the table's calendar ----------------------------------------------------------


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=JUAREZ)


def overdue_everywhere(commitment, now) -> tuple:
    """The model's answer, the queryset's filter and its annotation, at `now`."""
    annotated = Commitment.objects.with_overdue(now).get(pk=commitment.pk)
    return (commitment.is_overdue(now), Commitment.objects.overdue(now).filter(pk=commitment.pk).exists(),
            annotated.overdue, commitment.days_overdue(now), annotated.overdue_days)


def test_overdue_is_derived_from_the_due_date_and_agrees_everywhere(commitment):
    due = commitment.due_on
    assert overdue_everywhere(commitment, at(due, 12)) == (False, False, False, 0, 0)
    assert overdue_everywhere(commitment, at(due + timedelta(days=3), 9)) == (True, True, True, 3, 3)


def test_a_commitment_due_today_is_not_overdue_before_midnight_on_the_tables_clock(commitment):
    due = commitment.due_on
    # 23:30 in Ciudad Juárez is already the next day in UTC: still not overdue.
    late_evening = at(due, 23, 30)
    assert late_evening.astimezone(ZoneInfo("UTC")).date() == due + timedelta(days=1)
    assert overdue_everywhere(commitment, late_evening) == (False, False, False, 0, 0)
    assert overdue_everywhere(commitment, at(due + timedelta(days=1), 0, 30)) == (True, True, True, 1, 1)


@pytest.mark.parametrize("status", ["fulfilled", "partly_fulfilled", "not_fulfilled", "withdrawn"])
def test_a_closed_commitment_is_never_overdue(commitment, secretariat, status):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status=status, reason="Cerrado")
    commitment.refresh_from_db()
    assert overdue_everywhere(commitment, at(commitment.due_on + timedelta(days=30), 12)) == (
        False, False, False, 0, 0)


def test_an_update_keeps_an_overdue_commitment_overdue(commitment, fge_official):
    update_with(commitment, fge_official, delivered_change=5)
    commitment.refresh_from_db()
    assert commitment.status == "in_progress"
    assert overdue_everywhere(commitment, at(commitment.due_on + timedelta(days=2), 12))[:3] == (
        True, True, True)
