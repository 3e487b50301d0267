"""A set time after a concern is marked resolved, its reporter is asked once whether it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from concerns import services
from concerns.models import Concern, ConcernEvent, Status, Visibility
from concerns.tasks import ask_whether_resolved_task
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db


def _resolved(table, secretariat, *, days_ago: int, reporter=None, visibility=Visibility.PUBLIC):
    concern = raise_concern(table, reporter=reporter, visibility=visibility)
    for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED):
        services.concern_set_status(concern=concern, status=status, actor=secretariat)
    Concern.objects.filter(pk=concern.pk).update(resolved_at=timezone.now() - timedelta(days=days_ago))
    return concern


def test_the_reporter_is_asked_once_after_the_tables_delay_in_their_language(
    table, secretariat, mailoutbox
):
    reporter = make_member(table, user=UserFactory(language="en")).user
    due = _resolved(table, secretariat, days_ago=29, reporter=reporter)
    _resolved(table, secretariat, days_ago=10, reporter=make_member(table).user)  # not yet

    assert ask_whether_resolved_task() == 1
    assert ask_whether_resolved_task() == 0  # never twice
    assert [m.to for m in mailoutbox] == [[reporter.email]]
    assert "Was your concern resolved?" in mailoutbox[0].subject
    assert ConcernEvent.objects.filter(concern=due, kind=ConcernEvent.Kind.ASKED).count() == 1


def test_the_delay_is_a_table_setting(table, secretariat, mailoutbox):
    table.resolution_check_after_days = 7
    table.save()
    _resolved(table, secretariat, days_ago=8, reporter=make_member(table).user)
    assert ask_whether_resolved_task() == 1


def test_an_anonymous_reporter_is_asked_on_the_receipt_page_and_no_mail_is_sent(
    table, secretariat, mailoutbox
):
    concern = _resolved(table, secretariat, days_ago=40, visibility=Visibility.ANONYMOUS)
    assert ask_whether_resolved_task() == 1
    assert mailoutbox == []
    concern.refresh_from_db()
    assert concern.resolution_asked_at is not None


def test_reopening_clears_the_question_so_a_later_resolution_is_asked_again(table, secretariat):
    reporter = make_member(table).user
    concern = _resolved(table, secretariat, days_ago=40, reporter=reporter)
    ask_whether_resolved_task()
    services.concern_reopen(concern=concern, actor=reporter, reason="Siguen cobrando cuota.")
    concern.refresh_from_db()
    assert concern.resolution_asked_at is None and concern.status == Status.IN_PROGRESS
