"""Subcommittee pages: public reading, and the secretariat's changes refused to everyone else."""

import pytest
from django.urls import reverse

from mesa.models import Role
from subcommittees import services
from subcommittees.models import Subcommittee
from tests.mesa.factories import make_member


@pytest.fixture
def subcommittee(table):
    return services.subcommittee_create(
        table=table, name_es="Prevención social", name_en="Social prevention",
        description="Programas en colonias.",
    )


def list_url(table):
    return reverse("subcommittees:subcommittee-list", kwargs={"table_slug": table.slug})


def create_url(table):
    return reverse("subcommittees:subcommittee-create", kwargs={"table_slug": table.slug})


def url(name, subcommittee):
    return reverse(f"subcommittees:subcommittee-{name}",
                   kwargs={"table_slug": subcommittee.table.slug, "slug": subcommittee.slug})


def snapshot(subcommittee):
    subcommittee = Subcommittee.objects.get(pk=subcommittee.pk)
    return (subcommittee.name_es, subcommittee.name_en, subcommittee.description,
            subcommittee.archived_at, set(subcommittee.coordinators.all()))


REFUSED = ["outsider", "citizen", "pending_official", "coordinator", "other_secretariat"]


# --- Reading ------------------------------------------------------------------------


def test_list_shows_active_subcommittees_and_archived_ones_apart(client, table, subcommittee):
    old = services.subcommittee_create(table=table, name_es="Antigua", name_en="Old")
    services.subcommittee_archive(subcommittee=old)
    client.cookies["django_language"] = "en"
    response = client.get(list_url(table))
    assert response.status_code == 200
    assert subcommittee in response.context["active"]
    assert response.context["archived"] == [old]
    html = response.content.decode()
    assert html.index("Social prevention") < html.index("Archived subcommittees") < html.index("Old")
    assert "archived</span>" in html


def test_list_shows_coordinators_by_name(client, table, subcommittee, coordinator):
    services.subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    assert coordinator.display_name in client.get(list_url(table)).content.decode()


def test_list_offers_the_secretariat_to_add_one(client, table, secretariat):
    client.force_login(secretariat)
    assert create_url(table) in client.get(list_url(table)).content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", *REFUSED])
def test_list_offers_nobody_else_to_add_one(request, client, table, viewer):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(list_url(table))
    assert response.status_code == 200
    assert create_url(table) not in response.content.decode()


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(client, table, secretariat, n, django_assert_max_num_queries):
    for i in range(n):
        subcommittee = services.subcommittee_create(table=table, name_es=f"Sub {i}")
        coordinator = make_member(table, Role.COORDINATOR).user
        services.subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator,
                                                                                 secretariat])
        if i % 2:
            services.subcommittee_archive(subcommittee=subcommittee)
    client.force_login(secretariat)
    # session, user, table, subcommittees, their coordinators, perms (user + group)
    with django_assert_max_num_queries(7):
        assert client.get(list_url(table)).status_code == 200


def test_detail_shows_name_description_and_coordinators(client, table, subcommittee, coordinator):
    services.subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    client.cookies["django_language"] = "en"
    html = client.get(url("detail", subcommittee)).content.decode()
    assert "Social prevention" in html
    assert "Programas en colonias." in html
    assert coordinator.display_name in html
    assert url("edit", subcommittee) not in html


def test_detail_marks_an_archived_subcommittee(client, subcommittee):
    services.subcommittee_archive(subcommittee=subcommittee)
    client.cookies["django_language"] = "en"
    html = client.get(url("detail", subcommittee)).content.decode()
    assert "This subcommittee is archived" in html


def test_detail_links_the_secretariat_to_its_actions(client, subcommittee, secretariat):
    client.force_login(secretariat)
    html = client.get(url("detail", subcommittee)).content.decode()
    for name in ("edit", "coordinators", "archive"):
        assert url(name, subcommittee) in html
    assert url("unarchive", subcommittee) not in html


@pytest.mark.parametrize("viewer", ["anonymous", *REFUSED])
def test_detail_offers_nobody_else_the_secretariats_actions(request, client, subcommittee, viewer):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(url("detail", subcommittee))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("edit", "coordinators", "archive", "unarchive"):
        assert url(name, subcommittee) not in html


def test_unknown_subcommittee_is_404(client, table):
    missing = reverse("subcommittees:subcommittee-detail",
                      kwargs={"table_slug": table.slug, "slug": "nada"})
    assert client.get(missing).status_code == 404


def test_a_subcommittee_is_not_found_under_another_table(client, subcommittee, other_table,
                                                         other_secretariat):
    client.force_login(other_secretariat)
    for name in ("detail", "edit", "archive"):
        wrong = reverse(f"subcommittees:subcommittee-{name}",
                        kwargs={"table_slug": other_table.slug, "slug": subcommittee.slug})
        assert client.get(wrong).status_code == 404
    assert client.post(reverse("subcommittees:subcommittee-archive", kwargs={
        "table_slug": other_table.slug, "slug": subcommittee.slug})).status_code == 404
    assert snapshot(subcommittee)[3] is None


# --- The secretariat's pages, refused to everyone else ----------------------------------


MANAGEMENT_PAGES = ["edit", "archive", "unarchive", "coordinators"]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", MANAGEMENT_PAGES)
def test_management_pages_send_an_anonymous_visitor_to_log_in(client, subcommittee, page, method):
    before = snapshot(subcommittee)
    target = url(page, subcommittee)
    response = getattr(client, method)(target, {"name_es": "Cambiada"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert f"next={target}" in response["Location"].replace("%2F", "/")
    assert snapshot(subcommittee) == before


@pytest.mark.parametrize("person", REFUSED)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", MANAGEMENT_PAGES)
def test_management_pages_refuse_everyone_but_the_secretariat(
    request, client, subcommittee, secretariat, page, method, person
):
    if page == "unarchive":
        services.subcommittee_archive(subcommittee=subcommittee)
    before = snapshot(subcommittee)
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(url(page, subcommittee), {
        "name_es": "Cambiada", "name_en": "", "description": "", "coordinators": [secretariat.pk],
    })
    assert response.status_code == 403
    assert snapshot(subcommittee) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_create_sends_an_anonymous_visitor_to_log_in(client, table, method):
    count = Subcommittee.objects.count()
    response = getattr(client, method)(create_url(table), {"name_es": "Nueva"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Subcommittee.objects.count() == count


@pytest.mark.parametrize("person", REFUSED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_create_refuses_everyone_but_the_secretariat(request, client, table, method, person):
    user = request.getfixturevalue(person)
    count = Subcommittee.objects.count()
    client.force_login(user)
    response = getattr(client, method)(create_url(table), {"name_es": "Nueva"})
    assert response.status_code == 403
    assert Subcommittee.objects.count() == count


# --- Create and edit ------------------------------------------------------------------


def test_secretariat_creates_a_subcommittee(client, table, secretariat):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    assert client.get(create_url(table)).status_code == 200
    response = client.post(create_url(table), {
        "name_es": "Movilidad segura", "name_en": "Safe mobility", "description": "Transporte.",
    }, follow=True)
    subcommittee = Subcommittee.objects.get(table=table, name_es="Movilidad segura")
    assert (subcommittee.name_en, subcommittee.description) == ("Safe mobility", "Transporte.")
    assert response.redirect_chain[-1][0] == subcommittee.get_absolute_url()
    assert "The subcommittee Safe mobility was created." in response.content.decode()


def test_a_name_in_one_language_is_enough(client, table, secretariat):
    client.force_login(secretariat)
    client.post(create_url(table), {"name_es": "", "name_en": "Youth", "description": ""})
    assert Subcommittee.objects.filter(table=table, name_en="Youth", name_es="").exists()


@pytest.mark.parametrize("names", [("", ""), ("   ", " ")])
def test_create_without_a_name_is_a_form_error(client, table, secretariat, names):
    count = Subcommittee.objects.count()
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(create_url(table), {"name_es": names[0], "name_en": names[1]})
    assert response.status_code == 200
    assert response.context["form"].errors["name_es"] == ["Give the subcommittee a name."]
    assert 'aria-describedby="id_name_es_helptext id_name_es_error"' in response.content.decode()
    assert Subcommittee.objects.count() == count


def test_create_with_a_too_long_name_is_a_form_error(client, table, secretariat):
    client.force_login(secretariat)
    response = client.post(create_url(table), {"name_es": "x" * 151})
    assert "name_es" in response.context["form"].errors
    assert not Subcommittee.objects.filter(name_es="x" * 151).exists()


def test_secretariat_edits_names_and_description_and_the_address_stays(client, subcommittee,
                                                                      secretariat):
    slug = subcommittee.slug
    client.force_login(secretariat)
    form = client.get(url("edit", subcommittee)).context["form"]
    assert form.initial["name_es"] == "Prevención social"
    response = client.post(url("edit", subcommittee), {
        "name_es": "Prevención", "name_en": "Prevention", "description": "Nueva.",
    })
    subcommittee.refresh_from_db()
    assert (subcommittee.name_es, subcommittee.name_en, subcommittee.description, subcommittee.slug) \
        == ("Prevención", "Prevention", "Nueva.", slug)
    assert response["Location"] == subcommittee.get_absolute_url()


def test_edit_without_a_name_is_a_form_error_and_changes_nothing(client, subcommittee, secretariat):
    before = snapshot(subcommittee)
    client.force_login(secretariat)
    response = client.post(url("edit", subcommittee), {"name_es": "", "name_en": "",
                                                       "description": "x"})
    assert response.status_code == 200
    assert "name_es" in response.context["form"].errors
    assert snapshot(subcommittee) == before


# --- Archive -------------------------------------------------------------------------


def test_archive_asks_for_confirmation_then_archives(client, subcommittee, secretariat):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    page = client.get(url("archive", subcommittee))
    assert page.status_code == 200 and "Archive the subcommittee" in page.content.decode()
    assert snapshot(subcommittee)[3] is None
    response = client.post(url("archive", subcommittee), follow=True)
    assert snapshot(subcommittee)[3] is not None
    assert "The subcommittee was archived." in response.content.decode()
    assert Subcommittee.objects.filter(pk=subcommittee.pk).exists()  # never deleted


def test_archiving_twice_is_a_clear_message_not_an_error(client, subcommittee, secretariat):
    services.subcommittee_archive(subcommittee=subcommittee)
    archived_at = snapshot(subcommittee)[3]
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(url("archive", subcommittee), follow=True)
    assert response.status_code == 200
    assert "This subcommittee is already archived." in response.content.decode()
    assert snapshot(subcommittee)[3] == archived_at


def test_unarchive_brings_it_back(client, subcommittee, secretariat):
    services.subcommittee_archive(subcommittee=subcommittee)
    client.force_login(secretariat)
    assert client.get(url("unarchive", subcommittee)).status_code == 200
    client.post(url("unarchive", subcommittee))
    assert snapshot(subcommittee)[3] is None


# --- Coordinators ------------------------------------------------------------------------


def test_coordinator_page_offers_only_coordinators_and_secretariat(
    client, table, subcommittee, secretariat, coordinator, citizen, official
):
    client.force_login(secretariat)
    offered = set(client.get(url("coordinators", subcommittee)).context["form"]
                  .fields["coordinators"].queryset)
    assert offered == {secretariat, coordinator}


def test_secretariat_chooses_coordinators(client, subcommittee, secretariat, coordinator):
    client.force_login(secretariat)
    response = client.post(url("coordinators", subcommittee),
                           {"coordinators": [coordinator.pk, secretariat.pk]})
    assert response.status_code == 302
    assert snapshot(subcommittee)[4] == {coordinator, secretariat}
    client.post(url("coordinators", subcommittee), {"coordinators": []})
    assert snapshot(subcommittee)[4] == set()


@pytest.mark.parametrize("person", ["citizen", "other_secretariat", "pending_official"])
def test_choosing_someone_without_the_role_is_a_form_error(request, client, subcommittee,
                                                          secretariat, person):
    client.force_login(secretariat)
    response = client.post(url("coordinators", subcommittee),
                           {"coordinators": [request.getfixturevalue(person).pk]})
    assert response.status_code == 200
    assert "coordinators" in response.context["form"].errors
    assert snapshot(subcommittee)[4] == set()


def test_coordinator_choices_are_labelled_checkboxes(client, subcommittee, secretariat):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    html = client.get(url("coordinators", subcommittee)).content.decode()
    assert 'type="checkbox"' in html
    assert f"{secretariat.display_name} · Secretariat" in html
    assert "<legend>Coordinators" in html


# --- Languages --------------------------------------------------------------------------


def test_list_renders_in_english_with_the_cookie(client, table, subcommittee):
    client.cookies["django_language"] = "en"
    response = client.get(list_url(table))
    assert response["Content-Language"] == "en"
    assert "Social prevention" in response.content.decode()


def test_list_renders_in_spanish_with_the_cookie(client, table, subcommittee):
    client.cookies["django_language"] = "es"
    response = client.get(list_url(table))
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()
    assert "Prevención social" in response.content.decode()


def test_spanish_tables_subcommittees_speak_spanish_to_an_english_browser(client, subcommittee):
    response = client.get(url("detail", subcommittee), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "es"
    assert "Prevención social" in response.content.decode()


def test_detail_breadcrumbs_lead_back_through_the_table_and_its_subcommittees(client, subcommittee):
    client.cookies["django_language"] = "en"
    html = client.get(url("detail", subcommittee)).content.decode()
    crumbs = html.split('<nav class="breadcrumbs', 1)[1].split("</nav>", 1)[0]
    assert subcommittee.table.get_absolute_url() in crumbs
    assert list_url(subcommittee.table) in crumbs
    assert '<span aria-current="page">Social prevention</span>' in crumbs
