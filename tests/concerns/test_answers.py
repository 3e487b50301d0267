"""Official answers by verified officials of an assigned institution, and their ratings."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from concerns import services
from concerns.models import Answer, Concern, ConcernEvent, Rating, Status, Visibility
from concerns.triage_forms import answer_context
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE")


@pytest.fixture
def answering_official(table, institution):
    """A verified official of the institution asked to answer."""
    return make_member(table, Role.OFFICIAL, institution=institution).user


@pytest.fixture
def reporter(table):
    return make_member(table, Role.CITIZEN).user


@pytest.fixture
def concern(table, subcommittee, reporter, secretariat, institution):
    """Accepted and assigned to `institution`."""
    concern = raise_concern(table, reporter=reporter, subcommittee=subcommittee)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    return Concern.objects.get(pk=concern.pk)


@pytest.fixture
def supporter(table, concern):
    user = make_member(table).user
    services.support_add(concern=concern, user=user)
    return user


@pytest.fixture
def answer(concern, institution, answering_official):
    return services.answer_post(concern=concern, institution=institution, author=answering_official,
                                text="Se abrió la carpeta de investigación 123/2026.")


@pytest.fixture
def person(request, table, institution, subcommittee):
    kind = request.param
    if kind == "anonymous":
        return None
    if kind == "official_elsewhere":  # verified, of an institution not asked to answer
        return make_member(table, Role.OFFICIAL).user
    if kind == "pending_official":  # of the assigned institution, not verified yet
        return make_member(table, Role.OFFICIAL, institution=institution, verified=False).user
    if kind == "coordinator":
        user = make_member(table, Role.COORDINATOR).user
        subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
        return user
    if kind == "other_table_official":  # an official of the same-named role at another table
        other = request.getfixturevalue("other_table")
        return make_member(other, Role.OFFICIAL).user
    return request.getfixturevalue(kind)


def answer_url(concern: Concern) -> str:
    return reverse("concerns:concern-answer", kwargs={"table_slug": concern.table.slug,
                                                      "pk": concern.pk})


def rate_url(answer: Answer, table_slug: str | None = None) -> str:
    return reverse("concerns:answer-rate", kwargs={
        "table_slug": table_slug or answer.concern.table.slug, "answer_pk": answer.pk})


def answers_snapshot(concern: Concern) -> tuple:
    concern = Concern.objects.get(pk=concern.pk)
    return (concern.status, concern.first_answer_at, Answer.objects.count(),
            ConcernEvent.objects.filter(concern=concern).count())


def ratings_snapshot() -> list:
    return list(Rating.objects.order_by("pk").values_list("pk", "user", "score", "comment"))


# --- Posting the official answer ---------------------------------------------------------------


def test_a_verified_official_of_an_assigned_institution_posts_the_official_answer(
    client, concern, institution, answering_official
):
    client.force_login(answering_official)
    client.cookies["django_language"] = "en"
    response = client.post(answer_url(concern), {
        "answer-institution": institution.pk, "answer-text": "  Se abrió la carpeta 123/2026.  "})
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    answer = Answer.objects.get(concern=concern)
    assert (answer.institution, answer.author, answer.text) == (
        institution, answering_official, "Se abrió la carpeta 123/2026.")
    concern.refresh_from_db()
    assert concern.status == Status.ANSWERED
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The answer of Fiscalía General del Estado (FGE) was published."]


def test_time_to_first_answer_is_recorded_once(client, table, concern, institution,
                                               answering_official, secretariat):
    client.force_login(answering_official)
    client.post(answer_url(concern), {"answer-institution": institution.pk, "answer-text": "Primera."})
    concern.refresh_from_db()
    first = concern.first_answer_at
    assert first is not None and first >= concern.accepted_at
    # A second institution answers later: the first answer's time stays.
    second_institution = InstitutionFactory(table=table)
    services.concern_assign(concern=concern, institutions=[second_institution], actor=secretariat)
    second_official = make_member(table, Role.OFFICIAL, institution=second_institution).user
    client.force_login(second_official)
    client.post(answer_url(concern), {"answer-institution": second_institution.pk,
                                      "answer-text": "Segunda."})
    concern.refresh_from_db()
    assert concern.first_answer_at == first
    assert concern.answers.count() == 2


@pytest.mark.parametrize("person", [
    "anonymous", "outsider", "citizen", "official_elsewhere", "pending_official", "coordinator",
    "secretariat", "other_secretariat", "other_table_official",
], indirect=True)
def test_only_verified_officials_of_an_assigned_institution_answer(client, concern, institution, person):
    before = answers_snapshot(concern)
    if person is not None:
        client.force_login(person)
    response = client.post(answer_url(concern), {"answer-institution": institution.pk,
                                                 "answer-text": "Respuesta."})
    if person is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403
    assert answers_snapshot(concern) == before


def test_an_official_cannot_answer_a_concern_their_institution_was_not_asked_about(
    client, table, subcommittee, concern, answering_official, secretariat
):
    other = raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee)
    services.concern_set_status(concern=other, status=Status.ACCEPTED, actor=secretariat)
    client.force_login(answering_official)
    before = answers_snapshot(other)
    response = client.post(answer_url(other), {"answer-institution": answering_official.memberships
                                               .get().institution_id, "answer-text": "No."})
    assert response.status_code == 403
    assert answers_snapshot(other) == before


def test_answering_a_concern_the_official_may_not_read_is_a_404(
    client, concern, institution, answering_official, secretariat
):
    services.concern_hide(concern=concern, actor=secretariat, reason="Spam")
    before = answers_snapshot(concern)
    client.force_login(answering_official)
    response = client.post(answer_url(concern), {"answer-institution": institution.pk,
                                                 "answer-text": "Respuesta."})
    assert response.status_code == 404
    assert answers_snapshot(concern) == before


@pytest.mark.parametrize("payload, field", [
    ({"answer-text": "   "}, "text"),
    ({"answer-text": "x" * 10_001}, "text"),
    ({"answer-text": "Respuesta.", "answer-institution": "other"}, "institution"),
    ({"answer-text": "Respuesta.", "answer-institution": "garbage"}, "institution"),
])
def test_an_empty_or_misdirected_answer_is_a_form_error_and_saves_nothing(
    client, table, concern, institution, answering_official, payload, field
):
    payload = dict(payload)
    if payload.get("answer-institution") == "other":  # another institution of the table
        payload["answer-institution"] = InstitutionFactory(table=table).pk
    payload.setdefault("answer-institution", institution.pk)
    before = answers_snapshot(concern)
    client.force_login(answering_official)
    client.cookies["django_language"] = "en"
    response = client.post(answer_url(concern), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Please correct the following" in response.content.decode()
    assert answers_snapshot(concern) == before


def test_answer_and_rating_endpoints_refuse_get(client, answer, answering_official, reporter):
    client.force_login(answering_official)
    assert client.get(answer_url(answer.concern)).status_code == 405
    client.force_login(reporter)
    assert client.get(rate_url(answer)).status_code == 405


# --- Rating the answer -------------------------------------------------------------------------


def test_the_reporter_rates_the_answer_and_changes_the_rating(client, answer, reporter):
    client.force_login(reporter)
    client.cookies["django_language"] = "en"
    response = client.post(rate_url(answer), {"score": "4", "comment": "Rápido."})
    assert response.status_code == 302
    assert response["Location"] == answer.concern.get_absolute_url()
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Your rating was saved. You can change it at any time."]
    rating = Rating.objects.get(answer=answer, user=reporter)
    assert (rating.score, rating.comment) == (4, "Rápido.")
    client.post(rate_url(answer), {"score": "2", "comment": ""})
    assert list(Rating.objects.filter(answer=answer).values_list("user", "score", "comment")) == [
        (reporter.pk, 2, "")]


def test_a_supporter_rates_the_answer(client, answer, supporter):
    client.force_login(supporter)
    assert client.post(rate_url(answer), {"score": "5"}).status_code == 302
    assert Rating.objects.get(answer=answer, user=supporter).score == 5


@pytest.mark.parametrize("person", [
    "outsider", "citizen", "official_elsewhere", "pending_official", "coordinator", "secretariat",
    "other_secretariat", "answering_official",
], indirect=True)
def test_only_the_reporter_and_supporters_rate(client, answer, person):
    before = ratings_snapshot()
    client.force_login(person)
    assert client.post(rate_url(answer), {"score": "5"}).status_code == 403
    assert ratings_snapshot() == before


def test_rating_sends_visitors_to_log_in(client, answer):
    response = client.post(rate_url(answer), {"score": "5"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Rating.objects.exists()


def test_rating_an_answer_under_another_tables_address_is_a_404(client, answer, reporter, other_table):
    client.force_login(reporter)
    assert client.post(rate_url(answer, other_table.slug), {"score": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_a_former_supporter_of_a_now_hidden_concern_cannot_rate(client, answer, supporter, secretariat):
    services.concern_hide(concern=answer.concern, actor=secretariat, reason="Spam")
    client.force_login(supporter)
    assert client.post(rate_url(answer), {"score": "5"}).status_code == 404
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", ["0", "6", "bien", "", "4.5"])
def test_a_score_outside_1_to_5_is_a_form_error_and_saves_nothing(client, answer, reporter, score):
    services.rating_set(answer=answer, user=reporter, score=3, comment="Antes")
    before = ratings_snapshot()
    client.force_login(reporter)
    client.cookies["django_language"] = "en"
    response = client.post(rate_url(answer), {"score": score, "comment": "Después"})
    assert response.status_code == 200
    assert "score" in response.context["form"].errors
    html = response.content.decode()
    assert "Please correct the following" in html
    assert "Se abrió la carpeta de investigación 123/2026." in html  # what is being rated
    assert ratings_snapshot() == before


def test_a_too_long_rating_comment_is_a_form_error(client, answer, reporter):
    client.force_login(reporter)
    response = client.post(rate_url(answer), {"score": "3", "comment": "x" * 1001})
    assert response.status_code == 200
    assert "comment" in response.context["form"].errors
    assert not Rating.objects.exists()


# --- What the concern page gets: forms and includes ------------------------------------------------


def render(template: str, user, concern: Concern, **extra) -> str:
    request = RequestFactory().get(concern.get_absolute_url())
    request.user = user
    return render_to_string(template, {"concern": concern, **answer_context(user, concern), **extra},
                            request=request)


def test_visitors_get_no_answer_or_rating_forms(concern, answer):
    visitor = AnonymousUser()
    assert answer_context(visitor, concern) == {}
    assert render("concerns/includes/answer_form.html", visitor, concern).strip() == ""
    assert render("concerns/includes/rating_form.html", visitor, concern, answer=answer).strip() == ""


@pytest.mark.parametrize("person", ["citizen", "official_elsewhere", "pending_official",
                                    "coordinator", "outsider"], indirect=True)
def test_people_who_may_neither_answer_nor_rate_see_neither_form(concern, answer, person):
    context = answer_context(person, concern)
    assert "answer_form" not in context and context["can_rate_answers"] is False
    assert render("concerns/includes/answer_form.html", person, concern).strip() == ""
    assert render("concerns/includes/rating_form.html", person, concern, answer=answer).strip() == ""


def test_the_answering_official_gets_the_answer_form(concern, institution, answering_official):
    context = answer_context(answering_official, concern)
    assert list(context["answer_form"].fields["institution"].queryset) == [institution]
    assert context["answer_form"]["institution"].initial == institution.pk
    html = render("concerns/includes/answer_form.html", answering_official, concern)
    assert f'action="{answer_url(concern)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_answer-text">' in html
    assert "<legend>" in html  # the institution choice is a group


def test_the_rating_form_shows_the_persons_current_rating(concern, answer, reporter):
    services.rating_set(answer=answer, user=reporter, score=4, comment="Rápido & claro")
    context = answer_context(reporter, concern)
    assert context["can_rate_answers"] is True
    assert {k: v.score for k, v in context["my_ratings"].items()} == {answer.pk: 4}
    html = render("concerns/includes/rating_form.html", reporter, concern, answer=answer)
    assert f'action="{rate_url(answer)}"' in html
    assert f'id="rating-{answer.pk}-score-4" required checked>' in html
    assert f'id="rating-{answer.pk}-score-3" required>' in html
    assert "Rápido &amp; claro</textarea>" in html
    assert f'<label for="rating-{answer.pk}-comment">' in html


def test_the_rating_form_of_an_answer_not_yet_rated_has_nothing_checked(concern, answer, supporter):
    html = render("concerns/includes/rating_form.html", supporter, concern, answer=answer)
    assert "checked" not in html and f'action="{rate_url(answer)}"' in html


def test_answer_context_queries_do_not_grow_with_answers(
    table, concern, institution, answering_official, supporter, django_assert_max_num_queries
):
    for i in range(5):
        answer = services.answer_post(concern=concern, institution=institution,
                                      author=answering_official, text=f"Avance {i}")
        services.rating_set(answer=answer, user=supporter, score=3)
    concern = Concern.objects.select_related("table").get(pk=concern.pk)  # as the page loads it
    # supports (may this person rate?), their ratings of all the answers, and what
    # answerable_institution_ids asks (perms user + groups; none: not an official)
    with django_assert_max_num_queries(4):
        context = answer_context(supporter, concern)
    assert len(context["my_ratings"]) == 5


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_refused_answer_page_renders_in_spanish_and_english(
    client, concern, institution, answering_official, language
):
    client.force_login(answering_official)
    client.cookies["django_language"] = language
    response = client.post(answer_url(concern), {"answer-institution": institution.pk, "answer-text": ""})
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    if language == "en":
        assert "<h1>Post the official answer</h1>" in html


def test_a_restricted_concerns_answer_page_never_names_its_reporter(
    client, table, subcommittee, institution, answering_official, secretariat
):
    reporter = make_member(table).user
    concern = raise_concern(table, reporter=reporter, subcommittee=subcommittee,
                            visibility=Visibility.RESTRICTED, accused_institutions=[institution])
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    client.force_login(answering_official)
    response = client.post(answer_url(concern), {"answer-institution": institution.pk, "answer-text": ""})
    html = response.content.decode()
    assert reporter.display_name not in html and reporter.email not in html


def test_the_concern_page_shows_each_person_only_the_forms_they_may_use(
    client, concern, answer, answering_official, reporter, citizen
):
    client.cookies["django_language"] = "en"
    page = concern.get_absolute_url()
    client.force_login(answering_official)
    html = client.get(page).content.decode()
    assert f'action="{answer_url(concern)}"' in html and rate_url(answer) not in html
    client.force_login(reporter)
    html = client.get(page).content.decode()
    assert f'action="{rate_url(answer)}"' in html and answer_url(concern) not in html
    for user in (citizen, None):
        client.logout()
        if user:
            client.force_login(user)
        html = client.get(page).content.decode()
        assert rate_url(answer) not in html and answer_url(concern) not in html
