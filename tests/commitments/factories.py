"""Commitments and action updates made through the services the pages use."""

from datetime import timedelta

from commitments import services
from commitments.models import Commitment
from meetings import services as meeting_services
from mesa.models import GovernmentLevel, Institution, Role, Table
from tests.meetings.factories import held_session, secretariat_of
from tests.mesa.factories import make_member


def institution(table: Table, name: str, level: str = GovernmentLevel.STATE,
                acronym: str = "") -> Institution:
    return Institution.objects.create(table=table, name=name, level=level, acronym=acronym)


def official_of(institution: Institution, *, verified: bool = True):
    return make_member(institution.table, Role.OFFICIAL, institution=institution, verified=verified).user


def record_agreement(table: Table, *, institutions=(), session=None,
                     text="Solicitar 200 agentes del ministerio público."):
    session = session or held_session(table)
    return meeting_services.agreement_record(session=session, actor=secretariat_of(table), text=text,
                                             responsible_institutions=institutions)


def record_commitment(agreement, *, institution, actor=None, due_in_days: int = 90, **extra) -> Commitment:
    extra.setdefault("description", "Enviar agentes del ministerio público a Ciudad Juárez.")
    due_on = extra.pop("due_on", None) or services.agreement_date(agreement) + timedelta(days=due_in_days)
    return services.commitment_record(agreement=agreement, actor=actor or secretariat_of(agreement.table),
                                      institution=institution, due_on=due_on, **extra)


def post_update(commitment: Commitment, author, *, text: str = "Llegaron agentes.", delivered_change: int = 0,
                action_on=None, **extra):
    return services.update_post(commitment=commitment, actor=author, institution=commitment.institution,
                                text=text, action_on=action_on or commitment.local_today(),
                                delivered_change=delivered_change, **extra)
