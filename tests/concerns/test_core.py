"""The core rules of concerns: anonymity, receipts, visibility, search, ranking."""

import pytest

from concerns import permissions, services
from concerns.models import Concern, ConcernEvent, Status, Visibility
from mesa.models import Role
from tests.concerns.factories import raise_concern, raise_concern_with_code
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db


def test_an_anonymous_concern_keeps_no_link_to_the_signed_in_account(table, citizen):
    concern, code = raise_concern_with_code(table, reporter=citizen, visibility=Visibility.ANONYMOUS)
    concern.refresh_from_db()
    assert concern.reporter_id is None
    assert code and code not in concern.receipt_hash
    assert not ConcernEvent.objects.filter(concern=concern, actor__isnull=False).exists()
    assert not concern.follows.exists()


def test_the_receipt_code_opens_its_concern_and_nothing_else(table):
    concern, code = raise_concern_with_code(table, visibility=Visibility.ANONYMOUS)
    assert services.concern_for_receipt(code) == concern
    assert services.concern_for_receipt(code.lower().replace("-", " ")) == concern
    assert services.concern_for_receipt("AAAA-BBBB-CCCC-DDDD-EEEE") is None
    assert services.concern_for_receipt("nonsense") is None


def test_search_folds_accents_in_spanish_and_english(table, citizen):
    found = raise_concern(table, reporter=citizen, title="Extorsión a comerciantes",
                          description="Cobran cuota en la colonia.")
    raise_concern(table, reporter=citizen, title="Robo de vehículo", description="En la noche.")
    assert list(Concern.objects.search("extorsion")) == [found]
    assert list(Concern.objects.search("EXTORSIÓN comerciante")) == [found]
    assert list(Concern.objects.search("vehiculos").values_list("title", flat=True)) == ["Robo de vehículo"]


@pytest.mark.parametrize("visibility", [Visibility.RESTRICTED, Visibility.ANONYMOUS])
def test_members_only_concerns_are_hidden_from_visitors_and_outsiders(
    client, table, citizen, outsider, visibility
):
    reporter = None if visibility == Visibility.ANONYMOUS else citizen
    concern = raise_concern(table, reporter=reporter, visibility=visibility)
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can_view(AnonymousUser(), concern)
    assert not permissions.can_view(outsider, concern)
    assert permissions.can_view(make_member(table).user, concern)


def test_restricted_reporter_is_known_only_to_coordinators_secretariat_and_consented_accused(
    table, citizen, secretariat, coordinator
):
    accused = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=accused).user
    other_official = make_member(table, Role.OFFICIAL).user
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED,
                            accused_institutions=[accused])
    from subcommittees.services import subcommittee_set_coordinators

    subcommittee_set_coordinators(subcommittee=concern.subcommittee, users=[coordinator])

    def sees(user):
        return permissions.reporter_visibility_for(user).can_see(concern)

    assert sees(citizen) and sees(secretariat) and sees(coordinator)
    assert not sees(official) and not sees(other_official) and not sees(make_member(table).user)
    services.concern_set_consent(concern=concern, reporter=citizen, consent=True)
    concern.refresh_from_db()
    assert sees(official) and not sees(other_official)
    services.concern_set_consent(concern=concern, reporter=citizen, consent=False)
    concern.refresh_from_db()
    assert not sees(official)


def test_a_superuser_gets_no_exception_to_reporter_secrecy(table, citizen):
    from accounts.models import User

    root = User.objects.create_superuser(email="root@example.org", password="x" * 12, display_name="R")
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    assert not permissions.reporter_visibility_for(root).can_see(concern)


def test_the_status_moves_only_along_the_allowed_paths(table, citizen, secretariat):
    concern = raise_concern(table, reporter=citizen)
    with pytest.raises(Exception, match="cannot go"):
        services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=secretariat)
    with pytest.raises(Exception, match="Say why"):
        services.concern_set_status(concern=concern, status=Status.REJECTED, actor=secretariat)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    concern.refresh_from_db()
    assert concern.status == Status.ACCEPTED and concern.accepted_at is not None


def test_an_answer_moves_an_accepted_concern_to_answered_and_times_it(table, citizen, secretariat):
    institution = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    concern = raise_concern(table, reporter=citizen)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    assert not permissions.can_answer(official, concern)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    assert permissions.can_answer(official, concern)
    services.answer_post(concern=concern, institution=institution, author=official, text="Atendido.")
    concern.refresh_from_db()
    assert concern.status == Status.ANSWERED and concern.first_answer_at is not None


def test_supports_count_once_and_rank_the_priority_list(table, citizen):
    first = raise_concern(table, reporter=citizen, title="Primero")
    second = raise_concern(table, reporter=citizen, title="Segundo")
    supporter = make_member(table).user
    services.support_add(concern=first, user=supporter)
    services.support_add(concern=first, user=supporter)
    assert Concern.objects.get(pk=first.pk).support_count == 1
    assert list(Concern.objects.filter(table=table).by_priority())[:2] == [first, second]
    services.support_withdraw(concern=first, user=supporter)
    assert Concern.objects.get(pk=first.pk).support_count == 0


def test_ratings_average_per_institution_for_the_accountability_dashboard(table, citizen, secretariat):
    from concerns.models import Rating

    fge = InstitutionFactory(table=table, name="Fiscalía")
    police = InstitutionFactory(table=table, name="Policía")
    for institution, scores in ((fge, (4, 2)), (police, (5,))):
        official = make_member(table, Role.OFFICIAL, institution=institution).user
        for score in scores:
            concern = raise_concern(table, reporter=make_member(table).user)
            services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
            services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
            answer = services.answer_post(concern=concern, institution=institution, author=official,
                                          text="Atendido.")
            services.rating_set(answer=answer, user=concern.reporter, score=score)
    rows = {row["answer__institution__name"]: (row["average"], row["ratings"])
            for row in Rating.objects.filter(answer__concern__table=table).per_institution()}
    assert rows == {"Fiscalía": (3.0, 2), "Policía": (5.0, 1)}


def test_a_global_permission_on_concerns_opens_no_concern(table, citizen, outsider):
    from django.contrib.auth.models import AnonymousUser
    from guardian.shortcuts import assign_perm

    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    for perm in ("concerns.view_concern", "concerns.change_concern", "mesa.view_table_content",
                 "subcommittees.coordinate_subcommittee", "mesa.manage_subcommittees"):
        assign_perm(perm, outsider)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert not Concern.objects.visible_to(outsider).exists()
    assert not permissions.reporter_visibility_for(outsider).can_see(concern)
    assert not Concern.objects.visible_to(AnonymousUser()).filter(pk=concern.pk).exists()
