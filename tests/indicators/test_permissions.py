"""Only the coordinators of an indicator's owning subcommittee (by default performance
indicators) and the table's secretariat enter its figures; everyone else is refused
and nothing is saved. A private table's indicators are not found by non-members."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from indicators import permissions, services
from indicators.models import Indicator, Observation, Target
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.indicators.factories import indicator, record
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/indicators/"
REFUSED = ["citizen", "official", "coordinator", "justice_coordinator", "outsider", "other_secretariat"]
ALLOWED = ["indicators_coordinator", "secretariat"]


def detail(ind: Indicator) -> str:
    return f"{LIST}{ind.pk}/"


def saved_state():
    return (
        list(Indicator.objects.order_by("pk").values_list("code", "name_es", "source", "subcommittee",
                                                          "baseline_value", "is_active")),
        list(Target.objects.order_by("pk").values_list("indicator", "value", "due_on")),
        list(Observation.objects.order_by("pk").values_list("indicator", "period_start", "value",
                                                            "correction_note")),
    )


def writes(ind: Indicator, observation: Observation) -> list[tuple]:
    """Every write of the API, as (method, address, body)."""
    return [
        ("post", f"{detail(ind)}observations/", {"period_start": "2025-08", "value": "7"}),
        ("patch", f"{detail(ind)}observations/{observation.pk}/", {"value": "6", "note": "Corrección"}),
        ("patch", detail(ind), {"source": "Otra fuente", "baseline_value": "1",
                                "baseline_period": "2024-01"}),
        ("post", f"{detail(ind)}targets/", {"value": "3", "due_on": "2026-12-31"}),
    ]


def create_body(table) -> dict:
    return {"table": table.slug, "code": "nueva", "name_es": "Nueva"}


@pytest.fixture
def july(extortion):
    [observation] = record(extortion, {date(2025, 7, 1): 8})
    return observation


# --- The rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ALLOWED)
def test_the_indicators_coordinators_and_the_secretariat_enter_data(request, table, extortion, person):
    user = request.getfixturevalue(person)
    assert permissions.can_enter_data(user, extortion)
    assert permissions.can_define_indicators(user, table)
    assert permissions.enterable_indicator_ids(user, table) == set(
        Indicator.objects.filter(table=table).values_list("pk", flat=True))


@pytest.mark.parametrize("person", REFUSED)
def test_nobody_else_enters_data(request, table, extortion, person):
    user = request.getfixturevalue(person)
    assert not permissions.can_enter_data(user, extortion)
    assert not permissions.can_define_indicators(user, table)
    assert permissions.enterable_indicator_ids(user, table) == set()


def test_visitors_enter_nothing(table, extortion):
    visitor = AnonymousUser()
    assert not permissions.can_enter_data(visitor, extortion)
    assert not permissions.can_define_indicators(visitor, table)
    assert permissions.enterable_indicator_ids(visitor, table) == set()


def test_an_indicator_owned_by_another_subcommittee_is_entered_by_its_coordinators(
        table, secretariat, indicators_coordinator, justice_coordinator):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    convictions = services.indicator_update(indicator=indicator(table, "convictions"), actor=secretariat,
                                            subcommittee=justice)
    assert permissions.can_enter_data(justice_coordinator, convictions)
    assert not permissions.can_enter_data(indicators_coordinator, convictions)
    assert permissions.can_enter_data(secretariat, convictions)
    assert permissions.enterable_indicator_ids(justice_coordinator, table) == {convictions.pk}
    # Defining indicators stays with the secretariat and the performance-indicators coordinators.
    assert not permissions.can_define_indicators(justice_coordinator, table)


def test_a_coordinator_who_steps_down_enters_nothing_more(table, extortion, indicators_coordinator,
                                                          indicators_subcommittee, as_user):
    subcommittee_set_coordinators(subcommittee=indicators_subcommittee, users=[])
    user = type(indicators_coordinator).objects.get(pk=indicators_coordinator.pk)  # no cached checks
    assert not permissions.can_enter_data(user, extortion)
    response = as_user(user).post(f"{detail(extortion)}observations/",
                                  {"period_start": "2025-08", "value": 1}, format="json")
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_the_secretariat_of_another_table_enters_nothing_here(table, other_table, extortion,
                                                              other_secretariat):
    assert permissions.can_enter_data(other_secretariat, indicator(other_table, "extortion"))
    assert not permissions.can_enter_data(other_secretariat, extortion)


# --- The API: refused is 403 and saves nothing ------------------------------------------------------


@pytest.mark.parametrize("person", REFUSED)
def test_the_api_refuses_every_write_with_403_and_saves_nothing(request, as_user, table, extortion, july,
                                                                person):
    api = as_user(request.getfixturevalue(person))
    before = saved_state()
    for method, address, body in writes(extortion, july):
        response = getattr(api, method)(address, body, format="json")
        assert response.status_code == 403, (method, address, response.content)
        assert set(response.json()) == {"detail"}
    response = api.post(LIST, create_body(table), format="json")
    assert response.status_code == 403
    assert saved_state() == before


@pytest.mark.parametrize("person", REFUSED)
def test_a_refused_person_learns_nothing_from_a_bad_body(request, as_user, extortion, july, person):
    api = as_user(request.getfixturevalue(person))
    response = api.post(f"{detail(extortion)}observations/", {"period_start": "nunca", "value": "x"},
                        format="json")
    assert response.status_code == 403


def test_visitors_must_sign_in_to_write(as_user, table, extortion, july):
    api = as_user(None)
    before = saved_state()
    for method, address, body in writes(extortion, july):
        assert getattr(api, method)(address, body, format="json").status_code == 401
    assert api.post(LIST, create_body(table), format="json").status_code == 401
    assert saved_state() == before


@pytest.mark.parametrize("person", ALLOWED)
def test_the_api_lets_the_indicators_coordinators_and_the_secretariat_write(request, as_user, table,
                                                                            extortion, july, person):
    api = as_user(request.getfixturevalue(person))
    statuses = [getattr(api, method)(address, body, format="json").status_code
                for method, address, body in writes(extortion, july)]
    assert statuses == [201, 200, 200, 200]
    assert api.post(LIST, create_body(table), format="json").status_code == 201
    assert Observation.objects.count() == 2 and Target.objects.count() == 1
    assert Observation.objects.get(pk=july.pk).value == Decimal("6")


def test_the_api_follows_the_owning_subcommittee(as_user, table, secretariat, indicators_coordinator,
                                                 justice_coordinator):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    convictions = services.indicator_update(indicator=indicator(table, "convictions"), actor=secretariat,
                                            subcommittee=justice)
    address = f"{detail(convictions)}observations/"
    body = {"period_start": "2025-08", "value": 4}
    assert as_user(indicators_coordinator).post(address, body, format="json").status_code == 403
    assert as_user(justice_coordinator).post(address, body, format="json").status_code == 201
    assert as_user(justice_coordinator).post(LIST, create_body(table), format="json").status_code == 403
    assert list(Observation.objects.values_list("entered_by", flat=True)) == [justice_coordinator.pk]


# --- A private table ------------------------------------------------------------------------------


@pytest.fixture
def private_table(db):
    return TableFactory(is_public=False, secretariat=UserFactory(display_name="Secretaría privada"))


@pytest.fixture
def private_extortion(private_table):
    private = indicator(private_table, "extortion")
    [observation] = record(private, {date(2025, 7, 1): 12})
    return private, observation


@pytest.mark.parametrize("person", ["outsider", "other_secretariat", "secretariat", "indicators_coordinator"])
def test_a_private_tables_indicators_are_404_to_non_members(request, as_user, private_table,
                                                            private_extortion, person):
    private, observation = private_extortion
    api = as_user(request.getfixturevalue(person))
    before = saved_state()
    for address in (detail(private), f"{detail(private)}observations/"):
        response = api.get(address)
        assert response.status_code == 404, address
        assert set(response.json()) == {"detail"}
    for method, address, body in writes(private, observation):
        assert getattr(api, method)(address, body, format="json").status_code == 404, (method, address)
    assert api.get(LIST, {"table": private_table.slug}).json()["count"] == 0
    assert saved_state() == before


def test_a_private_tables_indicators_are_404_to_visitors(as_user, private_table, private_extortion):
    private, _observation = private_extortion
    api = as_user(None)
    assert api.get(detail(private)).status_code == 404
    assert api.get(f"{detail(private)}observations/").status_code == 404
    assert api.get(LIST, {"table": private_table.slug}).json()["count"] == 0


def test_a_private_tables_members_see_its_indicators_and_its_secretariat_writes(as_user, private_table,
                                                                                 private_extortion):
    private, observation = private_extortion
    member = make_member(private_table, Role.CITIZEN).user
    api = as_user(member)
    assert api.get(detail(private)).status_code == 200
    assert api.get(f"{detail(private)}observations/").json()["count"] == 1
    assert api.get(LIST, {"table": private_table.slug}).json()["count"] == 11
    assert api.patch(f"{detail(private)}observations/{observation.pk}/", {"value": "1", "note": "x"},
                     format="json").status_code == 403
    owner = private_table.memberships.get(role=Role.SECRETARIAT).user
    response = as_user(owner).patch(f"{detail(private)}observations/{observation.pk}/",
                                    {"value": "11", "note": "Depuración"}, format="json")
    assert response.status_code == 200


def test_adding_an_indicator_to_a_private_table_is_refused_to_non_members(as_user, private_table, outsider):
    # Creating names the table in the body, like every create of the API: refused, 403.
    response = as_user(outsider).post(LIST, create_body(private_table), format="json")
    assert response.status_code == 403
    assert not Indicator.objects.filter(code="nueva").exists()
