import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import User
from mesa.models import Role
from tests.accounts.factories import UserFactory
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def profile_data(**overrides) -> dict:
    data = {"display_name": "Ana López", "language": "en", "phone": "656 123 4567"}
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(PROFILE_URL)
    assertRedirects(response, f"{reverse('accounts:login')}?next={PROFILE_URL}",
                    fetch_redirect_response=False)
    response = client.post(PROFILE_URL, profile_data())
    assert response.status_code == 302
    assert not User.objects.filter(display_name="Ana López").exists()


def test_profile_shows_the_address_its_state_and_the_form(client, outsider):
    client.force_login(outsider)
    response = client.get(PROFILE_URL)
    assertContains(response, outsider.email)
    assertContains(response, "badge-ok")
    assertContains(response, 'name="display_name"')
    assertContains(response, "You are not a member of any table yet.")
    assert "no-store" in response["Cache-Control"]


def test_profile_lists_memberships_with_role_and_pending_claims(client, table, pending_official):
    client.force_login(pending_official)
    response = client.get(PROFILE_URL)
    assertContains(response, table.name)
    assertContains(response, table.get_absolute_url())
    assertContains(response, "Official")
    assertContains(response, "waiting for the secretariat to verify")


def test_profile_does_not_list_tables_the_person_left(client, table, citizen, secretariat):
    from mesa import services

    membership = citizen.memberships.get(table=table)
    services.membership_end(membership=membership, actor=citizen)
    client.force_login(citizen)
    response = client.get(PROFILE_URL)
    assert table.name not in response.content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_profile_query_count_is_constant(client, n, django_assert_max_num_queries):
    person = UserFactory()
    for _ in range(n):
        make_member(TableFactory(), Role.OFFICIAL, user=person, verified=False)
    client.force_login(person)
    # session, user, memberships with table/institution/organisation, API token, table
    # permissions (who needs two-step verification), two-step device, last sign-in events
    with django_assert_max_num_queries(7):
        response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert response.content.decode().count("waiting for the secretariat to verify") == n


def test_saving_the_profile_stores_it_and_switches_the_language_at_once(client, outsider):
    client.cookies["django_language"] = "es"
    client.force_login(outsider)
    response = client.post(PROFILE_URL, profile_data(language="en"))
    assertRedirects(response, PROFILE_URL, fetch_redirect_response=False)
    outsider.refresh_from_db()
    assert (outsider.display_name, outsider.language, outsider.phone) == (
        "Ana López", "en", "656 123 4567",
    )
    assert response.cookies["django_language"].value == "en"
    response = client.get(PROFILE_URL)
    assert response["Content-Language"] == "en"
    assertContains(response, "Your profile is saved.")


def test_choosing_spanish_sets_the_spanish_cookie(client, outsider):
    client.force_login(outsider)
    response = client.post(PROFILE_URL, profile_data(language="es"))
    assert response.cookies["django_language"].value == "es"
    response = client.get(PROFILE_URL)
    assert response["Content-Language"] == "es"
    assertContains(response, '<html lang="es">')


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"display_name": "  "}, "display_name"), ({"language": "fr"}, "language"),
     ({"phone": "not a phone"}, "phone"), ({"display_name": "x" * 81}, "display_name")],
)
def test_bad_profile_input_saves_nothing(client, outsider, overrides, field):
    before = (outsider.display_name, outsider.language, outsider.phone)
    client.force_login(outsider)
    response = client.post(PROFILE_URL, profile_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "django_language" not in response.cookies
    outsider.refresh_from_db()
    assert (outsider.display_name, outsider.language, outsider.phone) == before


def test_a_refused_save_does_not_show_the_typed_name_as_the_account_name(client, outsider):
    client.force_login(outsider)
    response = client.post(PROFILE_URL, profile_data(phone="bad phone", display_name="Typed"))
    assert response.context["user"].display_name == outsider.display_name
