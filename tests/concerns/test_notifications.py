"""Mail to institutions never carries a protected reporter's identity."""

import pytest

from concerns import services
from concerns.models import Status, Visibility
from mesa.models import Role
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

CANARY = "Canary-Reporter-Name-K81"


@pytest.fixture
def setup(table, secretariat):
    reporter = make_member(table, Role.CITIZEN,
                           user=UserFactory(display_name=CANARY, email="k81@example.org")).user
    accused = InstitutionFactory(table=table, name="Policía Municipal")
    official = make_member(table, Role.OFFICIAL, institution=accused).user
    official.language = "en"
    official.save()
    return reporter, accused, official


def _assign(concern, institution, secretariat, capture):
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    with capture(execute=True):
        services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)


@pytest.mark.parametrize("consent", [False, True])
def test_assignment_mail_names_a_restricted_reporter_only_with_consent(
    setup, table, secretariat, mailoutbox, django_capture_on_commit_callbacks, consent
):
    reporter, accused, official = setup
    concern = raise_concern(table, reporter=reporter, visibility=Visibility.RESTRICTED,
                            accused_institutions=[accused], consent_to_accused=consent)
    _assign(concern, accused, secretariat, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[official.email]]
    mail = mailoutbox[0]
    assert concern.title in mail.body
    assert (CANARY in mail.body) is consent
    assert "k81@example.org" not in mail.body + mail.subject
    assert "is asked to answer" in mail.subject  # the official's language


def test_assignment_mail_of_an_anonymous_concern_names_nobody(
    setup, table, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    _reporter, accused, _official = setup
    concern = raise_concern(table, reporter=None, visibility=Visibility.ANONYMOUS,
                            accused_institutions=[accused])
    _assign(concern, accused, secretariat, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert "not named to you" in mailoutbox[0].body


def test_unverified_officials_get_no_mail(table, secretariat, mailoutbox,
                                          django_capture_on_commit_callbacks):
    institution = InstitutionFactory(table=table)
    make_member(table, Role.OFFICIAL, institution=institution, verified=False)
    concern = raise_concern(table, reporter=make_member(table).user)
    _assign(concern, institution, secretariat, django_capture_on_commit_callbacks)
    assert mailoutbox == []
