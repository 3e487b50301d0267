"""The demo's commitments (issue 6, "done when"): the plenary's agreement gives the state
attorney's office a commitment for 200 prosecutors, its official reports 40 delivered in two
updates (one with a photo), another institution's commitment is overdue, and the history of
every write names who made it and verifies clean."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from PIL import Image

from commitments.models import (
    ActionUpdate,
    Commitment,
    CommitmentStatus,
    DeliveryReview,
    DueDateChange,
    UpdateComment,
    UpdateEvidence,
    Verdict,
)
from commitments.services import agreement_date
from meetings.models import Session
from mesa.history import timeline, verify_history
from mesa.management.commands import seed_demo
from mesa.models import GovernmentLevel, Table

pytestmark = pytest.mark.django_db

COMMITMENT_MODELS = [Commitment, DueDateChange, ActionUpdate, UpdateEvidence, UpdateComment, DeliveryReview]


def run_seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    run_seed()
    return Table.objects.get(slug="juarez")


def person(email: str):
    return apps.get_model("accounts", "User").objects.get(email=email)


def plenary(table: Table) -> Session:
    return Session.objects.get(table=table, title=seed_demo.PAST_PLENARY)


def prosecutors(table: Table) -> Commitment:
    return Commitment.objects.get(table=table, institution__acronym="FGE")


def test_the_plenarys_agreement_commits_the_state_attorneys_office_to_prosecutors(demo):
    commitment = prosecutors(demo)
    adopting = plenary(demo).agreements.get(number=1)
    assert commitment.agreement == adopting
    assert commitment.code == f"{adopting.code}-1"
    assert commitment.institution.level == GovernmentLevel.STATE
    assert commitment.institution.name == "Fiscalía General del Estado de Chihuahua"
    assert (commitment.unit, commitment.requested, commitment.committed) == (
        "agentes del ministerio público", 200, 40)
    assert (commitment.due_on - agreement_date(adopting)).days == seed_demo.FGE_DUE_DAYS
    assert list(commitment.responsible_officials.all()) == [person("funcionaria@demo.mesa.mx")]
    assert {i.acronym for i in commitment.co_responsible.all()} == {"FGR"}


def test_the_official_reports_40_of_200_delivered_in_two_updates(demo):
    commitment = prosecutors(demo)
    official = person("funcionaria@demo.mesa.mx")
    updates = list(commitment.updates.order_by("pk"))
    assert [u.delivered_change for u in updates] == [25, 15]
    assert {u.author for u in updates} == {official}
    assert updates[0].action_on < updates[1].action_on <= commitment.local_today()
    assert commitment.delivered == 40
    assert commitment.delivered_share == pytest.approx(0.2)
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert commitment.first_update_at == updates[0].created_at
    assert updates[0].comments.get().author == person("secretaria@demo.mesa.mx")


def test_the_first_update_has_a_photo_stored_without_its_exif(demo):
    first, second = prosecutors(demo).updates.order_by("pk")
    [evidence] = first.evidence.all()
    assert not second.evidence.exists()
    assert (evidence.kind, evidence.content_type) == (UpdateEvidence.Kind.IMAGE, "image/jpeg")
    assert evidence.uploaded_by == person("funcionaria@demo.mesa.mx")
    assert evidence.original_name == "toma-de-protesta.jpg"
    with evidence.file.open("rb") as stored, Image.open(stored) as photo:
        assert photo.size == (480, 320)
        assert not photo.getexif()
    assert b"Ana Fiscal" not in evidence.file.storage.open(evidence.file.name).read()


def test_the_commitments_history_names_the_official_for_her_updates(demo):
    commitment = prosecutors(demo)
    official, secretariat = person("funcionaria@demo.mesa.mx"), person("secretaria@demo.mesa.mx")
    entries = timeline(commitment.events.all())
    assert entries[0].kind == "created"
    assert entries[0].user_id == secretariat.pk
    delivered = [(e.user_id, c.old, c.new) for e in entries[1:] for c in e.changes if c.field == "delivered"]
    assert delivered == [(official.pk, 0, 25), (official.pk, 25, 40)]
    assert {e.pgh_context["url"] for e in commitment.events.all()} == {"seed_demo"}
    for update in commitment.updates.all():
        [event] = update.events.all()
        assert event.pgh_context == {"user": official.pk, "url": "seed_demo"}


def test_the_municipal_polices_patrols_are_overdue_with_a_moved_due_date_and_a_dispute(demo):
    commitment = Commitment.objects.get(table=demo, institution__acronym="SSPM")
    assert commitment.institution.level == GovernmentLevel.MUNICIPAL
    assert commitment.agreement == plenary(demo).agreements.get(number=2)
    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.is_overdue()
    assert commitment.days_overdue() > 0
    assert Commitment.objects.overdue().filter(table=demo).get() == commitment
    [move] = commitment.due_date_changes.all()
    assert (move.previous_due_on, move.new_due_on) == (commitment.original_due_on, commitment.due_on)
    assert move.changed_by == person("secretaria@demo.mesa.mx")
    [review] = commitment.reviews.all()
    assert (review.verdict, review.user) == (Verdict.DISPUTED, person("ciudadana@demo.mesa.mx"))


def test_the_federal_attorneys_office_fulfilled_its_commitment_on_time(demo):
    commitment = Commitment.objects.get(table=demo, institution__acronym="FGR")
    assert commitment.institution.level == GovernmentLevel.FEDERAL
    assert commitment.status == CommitmentStatus.FULFILLED
    assert commitment.fulfilled_at.date() <= commitment.due_on
    assert not commitment.is_overdue()
    assert commitment.reviews.get().verdict == Verdict.CONFIRMED


def test_the_demos_history_verifies_clean(demo):
    assert verify_history() == []
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert "No problems" in out.getvalue()


def test_the_demo_commitments_are_public(demo):
    assert Commitment.objects.public().filter(table=demo).count() == 3


def test_the_seed_prints_the_commitments(demo):
    output = run_seed()
    commitment = prosecutors(demo)
    [line] = [line for line in output.splitlines() if commitment.code in line]
    assert line.split() == [commitment.code, "FGE", commitment.due_on.isoformat(), "In", "progress",
                            "40", "/", "200", "agentes", "del", "ministerio", "público"]
    assert "days overdue" in output


def counts() -> dict:
    models = COMMITMENT_MODELS + [model.events.rel.related_model for model in COMMITMENT_MODELS]
    return {model.__name__: model.objects.count() for model in models}


def test_running_seed_demo_twice_adds_no_commitments_updates_or_history(demo, tmp_path):
    before = counts()
    assert before["Commitment"] == 3 and before["ActionUpdateEvent"] == 2
    output = run_seed()
    assert counts() == before
    assert "Demo table already loaded." in output
    assert len(list((tmp_path / "private").rglob("*.jpg"))) == 1
