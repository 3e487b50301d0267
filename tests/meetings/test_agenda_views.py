"""The agenda of a session: built by its organisers (add, change, remove, reorder, publish),
read by members once published, with linked concerns and proposals shown only to
those who may read them; another table's concern or proposal refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Session, SessionChange
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.meetings.factories import schedule_session, start_session, submitted_proposal
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.get(standing_theme="access_to_justice")


@pytest.fixture
def foreign_coordinator(table):
    """A coordinator of another subcommittee of the same table."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=table.subcommittees.get(standing_theme="violent_theft"),
                                  users=[user])
    return user


@pytest.fixture
def session(table):
    """A plenary in 30 days: its agenda is not published to members yet (7 days' notice)."""
    return schedule_session(table, starts_at=timezone.now().replace(microsecond=0) + timedelta(days=30))


def url(name, session, **extra):
    return reverse(f"meetings:{name}", kwargs={"table_slug": session.table.slug, "pk": session.pk, **extra})


def item_url(name, item):
    return url(name, item.session, item_pk=item.pk)


def english(client):
    client.cookies["django_language"] = "en"
    return client


def concern(table, title="Cobro de piso en el mercado", **extra):
    """A public concern raised by a member of `table`."""
    extra.setdefault("reporter", make_member(table, Role.CITIZEN).user)
    return raise_concern(table, title=title, **extra)


def add(session, title, **links):
    return services.agenda_item_add(session=session, title=title, **links)


def item_data(**overrides):
    data = {"title": "Informe de la Fiscalía", "description": "", "duration_minutes": "20"}
    data.update(overrides)
    return data


# --- Building the agenda -----------------------------------------------------------------------


def test_organiser_adds_an_item_linked_to_concerns_and_proposals(client, table, secretariat, session):
    linked = concern(table, title="Extorsión en el mercado")
    proposal = submitted_proposal(table, session=session, title="200 agentes del ministerio público")
    client.force_login(secretariat)
    form = client.get(url("agenda-item-create", session)).context["form"]
    assert linked.pk in [c.pk for c in form.fields["concerns"].queryset]
    response = client.post(url("agenda-item-create", session), item_data(
        concerns=[linked.pk], proposals=[proposal.pk]))
    assert response.status_code == 302
    item = AgendaItem.objects.get(session=session)
    assert (item.position, item.title, item.duration_minutes) == (1, "Informe de la Fiscalía", 20)
    assert list(item.concerns.all()) == [linked] and list(item.proposals.all()) == [proposal]
    html = client.get(url("session-detail", session)).content.decode()
    assert "Informe de la Fiscalía" in html and "Extorsión en el mercado" in html
    assert "200 agentes del ministerio público" in html


def test_draft_proposals_are_not_offered(client, table, secretariat, session):
    from tests.meetings.factories import draft_proposal

    draft = draft_proposal(table, title="Aún en borrador")
    client.force_login(secretariat)
    form = client.get(url("agenda-item-create", session)).context["form"]
    assert draft.pk not in [p.pk for p in form.fields["proposals"].queryset]
    response = client.post(url("agenda-item-create", session), item_data(proposals=[draft.pk]))
    assert "proposals" in response.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_another_tables_concern_is_refused_by_the_form_and_nothing_is_saved(client, table, other_table,
                                                                             secretariat, session):
    foreign = concern(other_table, title="De otra mesa")
    client.force_login(secretariat)
    response = english(client).post(url("agenda-item-create", session), item_data(concerns=[foreign.pk]))
    assert response.status_code == 200
    [error] = response.context["form"].errors["concerns"]
    assert "is not one of the available choices" in error
    assert "is not one of the available choices" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_another_tables_proposal_is_refused_by_the_form_and_nothing_is_saved(client, other_table,
                                                                              secretariat, session):
    foreign = submitted_proposal(other_table, title="De otra mesa")
    client.force_login(secretariat)
    response = client.post(url("agenda-item-create", session), item_data(proposals=[foreign.pk]))
    assert "proposals" in response.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_another_tables_concern_cannot_be_put_on_an_existing_item(client, table, other_table, secretariat,
                                                                  session):
    mine = concern(table)
    item = add(session, "Punto", concerns=[mine])
    foreign = concern(other_table)
    client.force_login(secretariat)
    response = client.post(item_url("agenda-item-edit", item), item_data(title="Cambiado",
                                                                          concerns=[foreign.pk]))
    assert "concerns" in response.context["form"].errors
    item.refresh_from_db()
    assert item.title == "Punto" and list(item.concerns.all()) == [mine]


def test_the_service_behind_the_page_refuses_another_tables_concern_too(table, other_table, session):
    with pytest.raises(ValidationError) as refused:
        add(session, "Punto", concerns=[concern(other_table)])
    assert refused.value.message_dict["concerns"] == ["Link only concerns raised at this table."]
    assert not AgendaItem.objects.exists()


def test_an_item_without_a_title_is_refused(client, secretariat, session):
    client.force_login(secretariat)
    response = client.post(url("agenda-item-create", session), item_data(title=""))
    assert "title" in response.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_organiser_changes_an_item(client, table, secretariat, session):
    old, new = concern(table, title="Vieja"), concern(table, title="Nueva")
    item = add(session, "Antes", concerns=[old])
    client.force_login(secretariat)
    form = client.get(item_url("agenda-item-edit", item)).context["form"]
    assert form["title"].value() == "Antes" and form["concerns"].value() == [old.pk]
    response = client.post(item_url("agenda-item-edit", item), item_data(title="Después", concerns=[new.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Después" and list(item.concerns.all()) == [new]


def test_removing_an_item_asks_first_and_renumbers_the_rest(client, secretariat, session):
    first, second, third = (add(session, title) for title in ("Uno", "Dos", "Tres"))
    client.force_login(secretariat)
    page = english(client).get(item_url("agenda-item-remove", second))
    assert page.status_code == 200 and "Remove item 2" in page.content.decode()
    assert AgendaItem.objects.filter(session=session).count() == 3  # GET changes nothing
    assert client.post(item_url("agenda-item-remove", second)).status_code == 302
    assert list(session.agenda_items.order_by("position").values_list("title", "position")) == [
        ("Uno", 1), ("Tres", 2)]


def test_items_move_up_and_down(client, secretariat, session):
    first, second = add(session, "Uno"), add(session, "Dos")
    client.force_login(secretariat)
    assert client.post(item_url("agenda-item-move", second), {"direction": "up"}).status_code == 302
    assert list(session.agenda_items.order_by("position").values_list("title", flat=True)) == ["Dos", "Uno"]
    client.post(item_url("agenda-item-move", second), {"direction": "down"})
    assert list(session.agenda_items.order_by("position").values_list("title", flat=True)) == ["Uno", "Dos"]
    # A move is a POST: a link followed by a crawler changes nothing.
    assert client.get(item_url("agenda-item-move", first)).status_code == 405


def test_an_item_of_another_session_is_a_404(client, table, secretariat, session):
    other = add(schedule_session(table, title="Otra"), "Ajeno")
    client.force_login(secretariat)
    assert client.get(url("agenda-item-edit", session, item_pk=other.pk)).status_code == 404
    assert client.post(url("agenda-item-remove", session, item_pk=other.pk)).status_code == 404
    assert AgendaItem.objects.filter(pk=other.pk).exists()


def test_the_agenda_of_a_cancelled_session_cannot_change(client, secretariat, session):
    item = add(session, "Uno")
    services.session_cancel(session=session, actor=secretariat, reason="Sin sala")
    client.force_login(secretariat)
    response = english(client).post(url("agenda-item-create", session), item_data())
    assert response.status_code == 200
    assert "This session was cancelled." in response.content.decode()
    response = client.post(item_url("agenda-item-remove", item))
    assert "This session was cancelled." in response.content.decode()
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["Uno"]


@pytest.mark.parametrize("who", ["foreign_coordinator", "citizen", "other_secretariat"])
def test_people_who_do_not_organise_the_session_cannot_touch_its_agenda(client, session, who, request):
    item = add(session, "Intacto")
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("agenda-item-create", session)).status_code == 403
    assert client.post(url("agenda-item-create", session), item_data()).status_code == 403
    assert client.post(item_url("agenda-item-edit", item), item_data(title="Cambiado")).status_code == 403
    assert client.post(item_url("agenda-item-remove", item)).status_code == 403
    assert client.post(item_url("agenda-item-move", item), {"direction": "down"}).status_code == 403
    assert client.post(url("agenda-publish", session)).status_code == 403
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["Intacto"]
    assert Session.objects.get(pk=session.pk).agenda_published_at is None


# --- Who reads the agenda ------------------------------------------------------------------------


def test_members_see_the_agenda_only_once_published_organisers_always(client, table, secretariat, citizen,
                                                                      session):
    add(session, "Punto reservado")
    client.force_login(citizen)
    html = english(client).get(url("session-detail", session)).content.decode()
    assert "Punto reservado" not in html and "The agenda will be published on" in html
    client.force_login(secretariat)
    html = client.get(url("session-detail", session)).content.decode()
    assert "Punto reservado" in html and "Members see the agenda from" in html
    assert client.post(url("agenda-publish", session)).status_code == 302
    assert session.changes.filter(kind=SessionChange.Kind.AGENDA_PUBLISHED).exists()
    client.force_login(citizen)
    html = client.get(url("session-detail", session)).content.decode()
    assert "Punto reservado" in html and "Agenda published" in html


def test_the_agenda_is_public_within_the_tables_notice(client, table):
    soon = schedule_session(table, starts_at=timezone.now().replace(microsecond=0) + timedelta(days=3))
    add(soon, "Punto del día")
    assert "Punto del día" in client.get(url("session-detail", soon)).content.decode()


def test_linked_concerns_show_only_to_those_who_may_read_them(client, table, citizen, session):
    restricted = concern(table, title="Amenaza en la colonia", visibility="restricted", reporter=citizen)
    public = concern(table, title="Bache en la avenida")
    add(session, "Seguridad en la colonia", concerns=[restricted, public])
    services.agenda_publish(session=session, actor=session.created_by)
    html = client.get(url("session-detail", session)).content.decode()  # anonymous visitor
    assert "Seguridad en la colonia" in html and "Bache en la avenida" in html
    assert "Amenaza en la colonia" not in html
    client.force_login(citizen)
    assert "Amenaza en la colonia" in client.get(url("session-detail", session)).content.decode()


def test_the_agenda_of_a_session_already_held_has_no_editing_buttons(client, table, secretariat):
    session = start_session(schedule_session(table))
    add(session, "Uno")
    services.attendance_record(session=session, actor=secretariat, attendees=[], institutions=[])
    client.force_login(secretariat)
    html = client.get(url("session-detail", session)).content.decode()
    assert "Uno" in html and url("agenda-item-create", session) not in html


@pytest.mark.parametrize("n", [1, 10])
def test_session_page_query_count_is_constant_for_agenda_items(client, table, secretariat, session, n,
                                                               django_assert_max_num_queries):
    for i in range(n):
        add(session, f"Punto {i}", concerns=[concern(table, title=f"Planteamiento {i}")],
            proposals=[submitted_proposal(table, session=session, title=f"Propuesta {i}")])
    client.force_login(secretariat)
    client.get(url("session-detail", session))  # fills the content-type cache guardian reads
    # session, user, session with table and subcommittee, perms (user + groups), agenda items,
    # their visible concerns, their visible proposals, own answer, minutes, changes, answer
    # counts, quorum's member count, agreements, proposals
    with django_assert_max_num_queries(15):
        assert client.get(url("session-detail", session)).status_code == 200
