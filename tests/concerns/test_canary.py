"""A canary: a restricted concern's reporter carries a unique name and email.

The main flows run (raise, list, search, read, triage, assign and its mail,
answer, the API, the admin), and every response, sent mail, log record and
task message is searched for the canary. Only the people the rules allow
(the reporter, the subcommittee's coordinators, the secretariat) may meet it.
"""

import logging

import pytest
from celery.signals import task_prerun
from django.urls import reverse

from accounts.models import User
from concerns.models import Concern, Status, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

CANARY_NAME = "Canary Q7Z-Reporter"
CANARY_EMAIL = "canary-q7z@example.org"


@pytest.fixture
def task_messages():
    seen = []

    def record(sender=None, args=None, kwargs=None, **_):
        seen.append(repr((getattr(sender, "name", sender), args, kwargs)))

    task_prerun.connect(record, weak=False)
    yield seen
    task_prerun.disconnect(record)


def test_a_restricted_reporter_never_reaches_anyone_who_must_not_know(
    client, table, secretariat, mailoutbox, caplog, task_messages, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    reporter = make_member(table, Role.CITIZEN,
                           user=UserFactory(display_name=CANARY_NAME, email=CANARY_EMAIL)).user
    accused = InstitutionFactory(table=table, name="Policía Municipal")
    official = make_member(table, Role.OFFICIAL, institution=accused).user
    citizen = make_member(table, Role.CITIZEN).user
    coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee = table.subcommittees.first()
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12,
                                          display_name="Staff")
    concerns_url = reverse("concerns:concern-list", kwargs={"table_slug": table.slug})
    caplog.clear()  # from here on, only what the application logs

    # The reporter raises it from the page.
    client.force_login(reporter)
    response = client.post(reverse("concerns:concern-create", kwargs={"table_slug": table.slug}), {
        "subcommittee": subcommittee.pk, "title": "Policías piden dinero en el retén",
        "description": "Cada viernes en el retén de la avenida.", "colonia": "",
        "colonia_other": "", "happened_on": "", "place": "",
        "visibility": Visibility.RESTRICTED, "accused_institutions": [accused.pk],
    })
    assert response.status_code == 302
    concern = Concern.objects.get()
    detail_url = concern.get_absolute_url()

    # The coordinator accepts it and asks the accused institution to answer (mail goes out).
    client.force_login(coordinator)
    client.post(reverse("concerns:concern-status", kwargs={"table_slug": table.slug, "pk": concern.pk}),
                {"status-status": Status.ACCEPTED, "status-reason": ""})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("concerns:concern-assign", kwargs={"table_slug": table.slug,
                                                               "pk": concern.pk}),
                    {"assign-institutions": [accused.pk]})
    concern.refresh_from_db()
    assert concern.status == Status.ACCEPTED and concern.assignments.exists()
    assert len(mailoutbox) == 1

    # Everyone who must not know looks at every surface; the official also answers.
    exposed = []
    for person in (None, citizen, official, staff):
        client.logout()
        if person is not None:
            client.force_login(person)
        pages = [
            client.get(detail_url),
            client.get(concerns_url),
            client.get(concerns_url, {"q": "retén"}),
            client.get(concerns_url, {"q": "Canary"}),
            client.get("/api/v1/concerns/", {"table": table.slug}),
            client.get(f"/api/v1/concerns/{concern.pk}/"),
            client.get("/api/v1/concerns/", {"q": "Canary"}),
        ]
        if person is official:
            pages.append(client.post(
                reverse("concerns:concern-answer", kwargs={"table_slug": table.slug, "pk": concern.pk}),
                {"answer-institution": accused.pk, "answer-text": "Se investiga al personal del retén."},
                follow=True))
        if person is staff:
            pages.append(client.get(reverse("admin:concerns_concern_changelist")))
            pages.append(client.get(reverse("admin:concerns_concern_change", args=[concern.pk])))
        for page in pages:
            body = page.content.decode()
            # The header names the signed-in person; the canary is never one of these people.
            if CANARY_NAME in body or CANARY_EMAIL in body:
                exposed.append((person, page.request["PATH_INFO"]))
    assert exposed == []
    assert concern.answers.exists()

    for mail in mailoutbox:
        assert CANARY_NAME not in mail.body + mail.subject and CANARY_EMAIL not in mail.body
    for line in caplog.messages + [str(r.__dict__) for r in caplog.records]:
        assert CANARY_NAME not in line and CANARY_EMAIL not in line
    assert task_messages, "the assignment mail went through a task"
    for message in task_messages:
        assert CANARY_NAME not in message and CANARY_EMAIL not in message

    # Those who must know still do.
    for person in (reporter, coordinator, secretariat):
        client.force_login(person)
        assert CANARY_NAME in client.get(detail_url).content.decode()
