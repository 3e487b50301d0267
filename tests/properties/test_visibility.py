"""Properties of the one rule of who may read a concern (ConcernQuerySet.visible_to).

A person must never read a concern the rule keeps from them, and must find every one it
grants. For generated concerns (public or private table, visibility, status, subcommittee,
hidden, folded into another) every kind of viewer is checked against the rule as its
docstring states it:

- Public concerns: everyone, at a public table; members otherwise.
- Restricted and anonymous concerns: the table's members.
- Hidden, rejected and duplicate concerns: only the reporter, the coordinators of the
  concern's subcommittee and the table's secretariat.

(The reporter reads their own concern whatever its state, as the last line implies.) The
lists' shortcut, ConcernQuerySet.listed_at, must agree with the rule for everyone at every table.
"""

from collections import deque
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from concerns import permissions, services
from concerns.models import TRANSITIONS, Concern, Status, Visibility
from mesa import services as mesa_services
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.mesa.factories import TableFactory, make_member

WITH_DB = settings(derandomize=True, database=None, max_examples=30, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass
class Person:
    """A viewer, and what the world made of them (not what the permissions say)."""

    kind: str
    user: object
    member_of: set = field(default_factory=set)
    secretariat_of: set = field(default_factory=set)
    coordinates: set = field(default_factory=set)


@dataclass
class Place:
    table: object
    subcommittees: list
    secretariat: object
    reporter: object
    original: Concern  # what duplicates are folded into


def _path_to(status: str) -> list[str]:
    """The statuses a concern goes through from "submitted" to `status` (TRANSITIONS)."""
    paths = {Status.SUBMITTED: []}
    queue = deque([Status.SUBMITTED])
    while queue:
        current = queue.popleft()
        for following in sorted(TRANSITIONS.get(current, ())):
            if following not in paths:
                paths[following] = [*paths[current], following]
                queue.append(following)
    return paths[status]


def _place(public: bool, people: list[Person]) -> Place:
    table = TableFactory(is_public=public, secretariat=UserFactory())
    secretariat = table.memberships.get(role=Role.SECRETARIAT).user
    first, second = list(table.subcommittees.order_by("pk")[:2])

    def member(kind: str, role: str = Role.CITIZEN, **extra) -> User:
        user = make_member(table, role, **extra).user
        people.append(Person(kind, user, member_of={table.pk}))
        return user

    people.append(Person("secretariat", secretariat, member_of={table.pk}, secretariat_of={table.pk}))
    reporter = member("reporter")
    member("citizen")
    member("official", Role.OFFICIAL)
    member("official awaiting verification", Role.OFFICIAL, verified=False)
    member("representative", Role.REPRESENTATIVE)
    coordinator = member("coordinator of the first subcommittee", Role.COORDINATOR)
    other = member("coordinator of the second subcommittee", Role.COORDINATOR)
    gone = make_member(table, Role.COORDINATOR).user  # appointed, then left the table
    subcommittee_set_coordinators(subcommittee=first, users=[coordinator, gone])
    subcommittee_set_coordinators(subcommittee=second, users=[other])
    people[-2].coordinates, people[-1].coordinates = {first.pk}, {second.pk}
    mesa_services.membership_end(membership=table.memberships.get(user=gone), actor=gone)
    people.append(Person("former member (was a coordinator)", gone))
    original = raise_concern(table, reporter=secretariat, subcommittee=first, title="Original")
    return Place(table, [first, second], secretariat, reporter, original)


@pytest.fixture
def world(db):
    people = [Person("visitor", AnonymousUser()), Person("outsider", UserFactory())]
    places = {public: _place(public, people) for public in (True, False)}
    # Fresh user objects: no permission cached while the world was being built.
    for person in people:
        if person.user.is_authenticated:
            person.user = User.objects.get(pk=person.user.pk)
    return places, people


def may_read(person: Person, concern: Concern) -> bool:
    """The rule, as visible_to's docstring states it."""
    listed = (concern.hidden_at is None and concern.duplicate_of_id is None
              and concern.status != Status.REJECTED)
    if not person.user.is_authenticated:
        return listed and concern.visibility == Visibility.PUBLIC and concern.table.is_public
    table = concern.table_id
    if (concern.reporter_id == person.user.pk or table in person.secretariat_of
            or concern.subcommittee_id in person.coordinates):
        return True
    if not listed:
        return False
    if concern.visibility == Visibility.PUBLIC and concern.table.is_public:
        return True
    return table in person.member_of


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@WITH_DB
@given(public_table=st.booleans(), visibility=st.sampled_from(list(Visibility)),
       status=st.sampled_from(list(Status)), in_second_subcommittee=st.booleans(),
       duplicate=st.booleans(), hidden=st.booleans())
def test_a_concern_is_visible_to_exactly_the_people_the_rule_names_and_listed_at_agrees(
        world, public_table, visibility, status, in_second_subcommittee, duplicate, hidden):
    places, people = world
    place = places[public_table]
    actor = place.secretariat
    concern = raise_concern(place.table, reporter=place.reporter, visibility=visibility,
                            subcommittee=place.subcommittees[in_second_subcommittee])
    for step in _path_to(status):
        concern = services.concern_set_status(concern=concern, status=step, actor=actor,
                                              reason="No corresponde a esta mesa.")
    if duplicate:
        concern = services.concern_mark_duplicate(concern=concern, original=place.original, actor=actor)
    if hidden:
        concern = services.concern_hide(concern=concern, actor=actor, reason="Datos personales")
    concern = Concern.objects.select_related("table").get(pk=concern.pk)

    for person in people:
        expected = may_read(person, concern)
        assert (concern.pk in _ids(Concern.objects.visible_to(person.user))) is expected, person.kind
        assert permissions.can_view(person.user, concern) is expected, person.kind
        # The lists' shortcut agrees with the rule, for the people of both tables; the concerns
        # pile up over the examples, so later lists hold many.
        listed = _ids(Concern.objects.visible_to(person.user).filter(table=place.table).listed())
        assert _ids(Concern.objects.listed_at(person.user, place.table)) == listed, person.kind
