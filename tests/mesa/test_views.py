"""The home page and a table's page: what each kind of visitor sees, and what it costs."""

import pytest
from django.urls import reverse

from mesa import services
from mesa.models import GovernmentLevel, OrganisationKind, Role
from subcommittees import services as subcommittee_services
from tests.accounts.factories import UserFactory
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, TableFactory, make_member

HOME = reverse("home")


def detail_url(table):
    return reverse("mesa:table-detail", kwargs={"slug": table.slug})


def page(response) -> str:
    return response.content.decode()


# --- Home -------------------------------------------------------------------------


def test_home_lists_every_table_with_city_and_member_count(client, table, citizen):
    TableFactory(name="Mesa de Chihuahua", city="Chihuahua")
    response = client.get(HOME)
    assert response.status_code == 200
    html = page(response)
    assert table.name in html
    assert "Mesa de Chihuahua" in html and "Chihuahua" in html
    counts = {t.name: t.active_member_count for t in response.context["tables"]}
    assert counts[table.name] == 2  # secretariat and citizen
    assert counts["Mesa de Chihuahua"] == 0


def test_home_shows_a_member_their_tables_first_with_their_role(client, table, other_table, citizen):
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    response = client.get(HOME)
    html = page(response)
    assert [m.table for m in response.context["your_memberships"]] == [table]
    assert [t.pk for t in response.context["tables"]] == [other_table.pk]
    assert html.index("Your tables") < html.index(table.name) < html.index("Other tables")
    assert "Your role: Citizen" in html


def test_home_marks_a_claim_waiting_for_verification(client, table, pending_official):
    client.force_login(pending_official)
    client.cookies["django_language"] = "en"
    assert "waiting for verification" in page(client.get(HOME))


def test_home_does_not_list_tables_a_person_has_left(client, table, citizen):
    membership = table.memberships.get(user=citizen)
    services.membership_end(membership=membership, actor=citizen)
    client.force_login(citizen)
    assert client.get(HOME).context["your_memberships"] == []


@pytest.mark.parametrize("n", [1, 10])
def test_home_query_count_is_constant(client, db, n, django_assert_max_num_queries):
    tables = TableFactory.create_batch(n)
    person = UserFactory()
    for table in tables:
        make_member(table, Role.CITIZEN, user=person)
    client.force_login(person)
    # session, user, their table permissions (who needs two-step verification), tables with
    # counts, the person's memberships
    with django_assert_max_num_queries(5):
        assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_home_query_count_for_a_visitor_is_constant(client, db, n, django_assert_max_num_queries):
    TableFactory.create_batch(n)
    # tables with counts
    with django_assert_max_num_queries(1):
        assert client.get(HOME).status_code == 200


# --- Table page: public information ------------------------------------------------


def test_table_page_describes_the_table_to_an_anonymous_visitor(client, table):
    table.description = "Una mesa para Juárez."
    table.save()
    client.cookies["django_language"] = "en"
    response = client.get(detail_url(table))
    assert response.status_code == 200
    html = page(response)
    assert "Una mesa para Juárez." in html
    assert "Ciudad Juárez" in html
    assert "Ciudad Juarez time (UTC−" in html  # America/Ciudad_Juarez in words
    assert "Spanish" in html
    assert "Log in to join" in html


def test_table_page_lists_active_subcommittees_with_coordinators(client, table, secretariat, coordinator):
    access = table.subcommittees.get(standing_theme="access_to_justice")
    subcommittee_services.subcommittee_set_coordinators(subcommittee=access, users=[coordinator])
    archived = subcommittee_services.subcommittee_create(table=table, name_es="Antigua")
    subcommittee_services.subcommittee_archive(subcommittee=archived)
    response = client.get(detail_url(table))
    html = page(response)
    assert access.name_es in html
    assert coordinator.display_name in html
    assert "Antigua" not in html
    assert len(list(response.context["subcommittees"])) == 5


def test_table_page_groups_institutions_by_level_federal_state_municipal(client, table):
    InstitutionFactory(table=table, name="Policía Municipal", level=GovernmentLevel.MUNICIPAL)
    InstitutionFactory(table=table, name="Fiscalía del Estado", level=GovernmentLevel.STATE)
    InstitutionFactory(table=table, name="Guardia Nacional", level=GovernmentLevel.FEDERAL)
    InstitutionFactory(table=table, name="Extinta", level=GovernmentLevel.FEDERAL, is_active=False)
    InstitutionFactory(table=TableFactory(), name="De otra mesa")
    client.cookies["django_language"] = "en"
    response = client.get(detail_url(table))
    groups = response.context["institutions_by_level"]
    assert [str(label) for label, _ in groups] == ["Federal", "State", "Municipal"]
    html = page(response)
    assert html.index("Guardia Nacional") < html.index("Fiscalía del Estado") < html.index(
        "Policía Municipal"
    )
    assert "Extinta" not in html
    assert "De otra mesa" not in html


def test_table_page_groups_organisations_by_kind(client, table):
    OrganisationFactory(table=table, name="Cámara de Comercio", kind=OrganisationKind.BUSINESS)
    OrganisationFactory(table=table, name="Plan Estratégico", kind=OrganisationKind.CIVIL_SOCIETY)
    response = client.get(detail_url(table))
    groups = response.context["organisations_by_kind"]
    assert [[o.name for o in group] for _, group in groups] == [
        ["Plan Estratégico"], ["Cámara de Comercio"]
    ]


def test_table_page_counts_active_members_by_role_and_pending_claims_as_citizens(
    client, table, citizen, official, pending_official, representative, coordinator
):
    gone = make_member(table, Role.CITIZEN)
    services.membership_end(membership=gone, actor=gone.user)
    counts = client.get(detail_url(table)).context["counts"]
    assert counts == {
        "total": 6,
        "citizen": 2,  # the citizen and the unverified official
        "representative": 1,
        "official": 1,
        "coordinator": 1,
        "secretariat": 1,
        "pending": 1,
    }


# --- Table page: names, only for those allowed ---------------------------------------


@pytest.fixture
def people(table, citizen, official, pending_official, representative, coordinator, secretariat):
    return {
        "citizen": citizen,
        "official": official,
        "pending_official": pending_official,
        "representative": representative,
        "coordinator": coordinator,
        "secretariat": secretariat,
    }


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "other_secretariat"])
def test_table_page_shows_no_names_to_non_members(request, client, table, people, viewer):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    html = page(client.get(detail_url(table)))
    for person in people.values():
        assert person.display_name not in html


@pytest.mark.parametrize("viewer", ["citizen", "official", "pending_official", "secretariat"])
def test_table_page_shows_members_the_public_facing_people_but_never_citizens(
    client, table, people, viewer
):
    client.force_login(people[viewer])
    html = page(client.get(detail_url(table)))
    for role in ("official", "representative", "coordinator", "secretariat"):
        assert people[role].display_name in html
    # Citizens and an unverified claim are not listed by name, even to the secretariat.
    listed = [m.user for _, group in client.get(detail_url(table)).context["people_by_role"]
              for m in group]
    assert people["citizen"] not in listed
    assert people["pending_official"] not in listed


def test_table_page_names_an_official_with_institution_and_a_representative_with_organisation(
    client, table, citizen
):
    institution = InstitutionFactory(table=table, name="Fiscalía Zona Norte", acronym="FZN")
    organisation = OrganisationFactory(table=table, name="Ficosec")
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    representative = make_member(table, Role.REPRESENTATIVE, organisation=organisation).user
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert f"{official.display_name}, Fiscalía Zona Norte (FZN)" in html
    assert f"{representative.display_name}, for Ficosec" in html


# --- Table page: actions ---------------------------------------------------------


def test_table_page_offers_join_to_a_verified_outsider(client, table, outsider):
    client.force_login(outsider)
    html = page(client.get(detail_url(table)))
    assert reverse("mesa:table-join", kwargs={"slug": table.slug}) in html
    assert reverse("mesa:table-leave", kwargs={"slug": table.slug}) not in html


def test_table_page_replaces_join_with_a_hint_for_an_unverified_email(client, table):
    client.force_login(UserFactory(email_verified_at=None))
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert reverse("mesa:table-join", kwargs={"slug": table.slug}) not in html
    assert "first confirm your email address" in html


def test_table_page_offers_a_member_leave_not_join(client, table, citizen):
    client.force_login(citizen)
    html = page(client.get(detail_url(table)))
    assert reverse("mesa:table-leave", kwargs={"slug": table.slug}) in html
    assert reverse("mesa:table-join", kwargs={"slug": table.slug}) not in html


def test_table_page_tells_a_pending_official_they_take_part_as_a_citizen(client, table, pending_official):
    institution = table.memberships.get(user=pending_official).institution
    client.force_login(pending_official)
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert (
        f"The secretariat has not verified yet that you are an official of {institution.name}; "
        "until then you take part as a citizen." in html
    )


def test_table_page_tells_a_pending_representative_they_take_part_as_a_citizen(client, table):
    membership = make_member(table, Role.REPRESENTATIVE, verified=False)
    client.force_login(membership.user)
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert f"not verified yet that you represent {membership.organisation.name}" in html


MANAGEMENT_URLS = ("mesa:member-list", "mesa:institution-list", "mesa:table-settings")


def test_table_page_links_the_secretariat_to_its_management_pages(client, table, secretariat,
                                                                  pending_official):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    for name in MANAGEMENT_URLS:
        assert reverse(name, kwargs={"slug": table.slug}) in html
    assert "Manage members" in html
    assert reverse("subcommittees:subcommittee-list", kwargs={"table_slug": table.slug}) in html
    assert "1 claim to be an official or representative is waiting for your verification." in html


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "citizen", "pending_official",
                                    "other_secretariat"])
def test_table_page_hides_management_links_from_everyone_else(request, client, table, viewer):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert reverse("mesa:table-settings", kwargs={"slug": table.slug}) not in html
    assert reverse("mesa:institution-create", kwargs={"slug": table.slug}) not in html
    assert "Manage members" not in html
    assert "waiting for your verification" not in html
    # The list of institutions and organisations is public information.
    assert reverse("mesa:institution-list", kwargs={"slug": table.slug}) in html


def test_table_page_links_members_to_the_member_list_read_only(client, table, citizen):
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    assert reverse("mesa:member-list", kwargs={"slug": table.slug}) in html
    assert "Manage members" not in html


def test_unknown_table_is_404(client, db):
    assert client.get(reverse("mesa:table-detail", kwargs={"slug": "nowhere"})).status_code == 404


# --- Query budget -------------------------------------------------------------------


def _fill(table, n):
    secretariat = table.memberships.get(role=Role.SECRETARIAT).user
    for i in range(n):
        InstitutionFactory(table=table, level=list(GovernmentLevel)[i % 3])
        OrganisationFactory(table=table, kind=list(OrganisationKind)[i % 2])
        make_member(table, Role.CITIZEN)
        make_member(table, Role.OFFICIAL)
        make_member(table, Role.OFFICIAL, verified=False)
        coordinator = make_member(table, Role.COORDINATOR).user
        subcommittee = subcommittee_services.subcommittee_create(table=table, name_es=f"Sub {i}")
        subcommittee_services.subcommittee_set_coordinators(
            subcommittee=subcommittee, users=[coordinator, secretariat]
        )
    return secretariat


@pytest.mark.parametrize("n", [1, 10])
def test_table_page_query_count_is_constant_for_the_secretariat(
    client, table, n, django_assert_max_num_queries
):
    secretariat = _fill(table, n)
    client.force_login(secretariat)
    # session, user, table, perms (user + group), own membership, institutions,
    # organisations, counts, visible people, subcommittees, coordinators; plus guardian's
    # two content-type lookups for visible_to while its cache is cold
    with django_assert_max_num_queries(14):
        assert client.get(detail_url(table)).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_table_page_query_count_is_constant_for_a_visitor(
    client, table, n, django_assert_max_num_queries
):
    _fill(table, n)
    # language middleware's table language, table, subcommittees, coordinators,
    # institutions, organisations, counts, the top concerns, the next sessions
    with django_assert_max_num_queries(9):
        assert client.get(detail_url(table)).status_code == 200


# --- Languages -----------------------------------------------------------------


def test_table_page_renders_in_english_with_the_cookie(client, table):
    client.cookies["django_language"] = "en"
    response = client.get(detail_url(table))
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in page(response)
    assert "Subcommittees" in page(response)


def test_table_page_renders_in_spanish_with_the_cookie(client, table):
    client.cookies["django_language"] = "es"
    response = client.get(detail_url(table), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in page(response)


def test_spanish_table_speaks_spanish_to_an_anonymous_english_browser(client, table):
    response = client.get(detail_url(table), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in page(response)


def test_english_table_speaks_english_to_an_anonymous_spanish_browser(client, db):
    table = TableFactory(default_language="en")
    response = client.get(detail_url(table), HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "en"


def test_home_follows_the_browser_language(client, db):
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert "Security dialogue tables" in page(response)


def test_a_signed_in_person_gets_their_preferred_language_on_a_spanish_table(client, table):
    client.force_login(UserFactory(language="en"))
    response = client.get(detail_url(table))
    assert response["Content-Language"] == "en"
    assert "Join this table" in page(response)


def test_table_page_breadcrumbs_end_at_the_table(client, table):
    client.cookies["django_language"] = "en"
    html = page(client.get(detail_url(table)))
    crumbs = html.split('<nav class="breadcrumbs', 1)[1].split("</nav>", 1)[0]
    assert "All tables" in crumbs
    assert f'<span aria-current="page">{table.name}</span>' in crumbs
    assert "Subcommittees" not in crumbs
