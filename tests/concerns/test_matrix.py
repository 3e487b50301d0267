"""Who sees what of a concern and of its reporter, on every surface.

For each visibility x viewer, the exact expectation for the content and for
the reporter's identity, checked on the concern page, the list, the search
results, and the API list and detail. The reporter's display name and the
title are unique tokens, so "appears anywhere in the response" is the test.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.models import User
from concerns import permissions, services
from concerns.models import Concern, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern_with_code
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

REPORTER_NAME = "Zorayda Canary-Reporter-7Q4"
TITLE = "Cobro de piso canario-titulo-91X"

VIEWERS = [
    "visitor", "citizen", "supporter", "reporter", "coordinator", "other_coordinator",
    "accused_official", "accused_official_consented", "other_official", "secretariat", "staff",
]

# viewer -> (sees content, sees reporter) for each visibility.
EXPECTED = {
    Visibility.PUBLIC: dict.fromkeys(VIEWERS, (True, True)),
    Visibility.RESTRICTED: {
        "visitor": (False, False),
        "citizen": (True, False),
        "supporter": (True, False),
        "reporter": (True, True),
        "coordinator": (True, True),
        "other_coordinator": (True, False),
        "accused_official": (True, False),
        "accused_official_consented": (True, True),
        "other_official": (True, False),
        "secretariat": (True, True),
        "staff": (True, False),
    },
    Visibility.ANONYMOUS: {
        viewer: (viewer != "visitor", False) for viewer in VIEWERS
    },
}


@pytest.fixture
def world(table, secretariat):
    reporter = UserFactory(display_name=REPORTER_NAME, email="canary-7q4@example.org")
    make_member(table, Role.CITIZEN, user=reporter)
    accused = InstitutionFactory(table=table, name="Policía acusada")
    subcommittee, other_subcommittee = list(table.subcommittees.all()[:2])
    coordinator = make_member(table, Role.COORDINATOR).user
    other_coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    subcommittee_set_coordinators(subcommittee=other_subcommittee, users=[other_coordinator])
    return {
        "table": table,
        "reporter": reporter,
        "accused": accused,
        "subcommittee": subcommittee,
        "people": {
            "visitor": None,
            "citizen": make_member(table, Role.CITIZEN).user,
            "supporter": make_member(table, Role.CITIZEN).user,
            "reporter": reporter,
            "coordinator": coordinator,
            "other_coordinator": other_coordinator,
            "accused_official": make_member(table, Role.OFFICIAL, institution=accused).user,
            "accused_official_consented": make_member(table, Role.OFFICIAL, institution=accused).user,
            "other_official": make_member(table, Role.OFFICIAL).user,
            "secretariat": secretariat,
            "staff": User.objects.create_superuser(email="staff@example.org", password="x" * 12,
                                                   display_name="Staff"),
        },
    }


def _concern(world, visibility: str, *, consent: bool) -> Concern:
    concern, _code = raise_concern_with_code(
        world["table"], reporter=world["reporter"], visibility=visibility,
        subcommittee=world["subcommittee"], title=TITLE,
        description="Nos cobran cuota cada semana en el mercado.",
        accused_institutions=[world["accused"]],
        consent_to_accused=consent,
    )
    supporter = world["people"]["supporter"]
    services.support_add(concern=concern, user=supporter)
    return concern


def _main(html: str) -> str:
    """The page's own content: the header shows the signed-in person's name."""
    if "<main" not in html:
        return html
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _surfaces(client, concern: Concern) -> dict[str, str]:
    table = concern.table
    list_url = reverse("concerns:concern-list", kwargs={"table_slug": table.slug})
    return {
        "page": _main(client.get(concern.get_absolute_url()).content.decode()),
        "list": _main(client.get(list_url).content.decode()),
        "search": _main(client.get(list_url, {"q": "cobro de piso"}).content.decode()),
        "api list": client.get("/api/v1/concerns/", {"table": table.slug}).content.decode(),
        "api search": client.get("/api/v1/concerns/", {"q": "cobro piso"}).content.decode(),
        "api detail": client.get(f"/api/v1/concerns/{concern.pk}/").content.decode(),
    }


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_viewer_sees_exactly_what_the_rules_allow(client, world, visibility, viewer):
    # "accused_official_consented" is the accused official looking at a concern whose
    # reporter consented; every other viewer looks at one without consent.
    consent = viewer == "accused_official_consented"
    concern = _concern(world, visibility, consent=consent)
    person = world["people"][viewer]
    sees_content, sees_reporter = EXPECTED[visibility][viewer]

    user = person or AnonymousUser()
    assert permissions.can_view(user, concern) is sees_content
    assert permissions.reporter_visibility_for(user).can_see(concern) is sees_reporter

    if person is not None:
        client.force_login(person)
    for surface, body in _surfaces(client, concern).items():
        assert (TITLE in body) is sees_content, (surface, body[:300])
        assert (REPORTER_NAME in body) is sees_reporter, surface
        assert "canary-7q4@example.org" not in body, surface


def test_a_tables_list_shows_each_viewer_exactly_the_visible_listed_concerns(world, other_table):
    for visibility in Visibility:
        _concern(world, visibility, consent=False)
    hidden = _concern(world, Visibility.RESTRICTED, consent=False)
    services.concern_hide(concern=hidden, actor=world["people"]["secretariat"], reason="spam")
    raise_concern_with_code(other_table, reporter=world["reporter"],
                            visibility=Visibility.RESTRICTED, title=TITLE)
    table = world["table"]
    for viewer, person in world["people"].items():
        user = person or AnonymousUser()
        expected = set(Concern.objects.visible_to(user).filter(table=table).listed())
        assert set(Concern.objects.listed_at(user, table)) == expected, viewer
