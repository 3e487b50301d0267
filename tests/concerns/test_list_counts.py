"""The concern lists' counts are kept in the cache (mesa.counts): never shared between
people who may read different concerns, and forgotten as soon as a concern changes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concerns import services
from concerns.models import Concern, Visibility
from mesa.counts import cached_count
from tests.concerns.factories import raise_concern

pytestmark = pytest.mark.django_db

API = "/api/v1/concerns/"


def _counts(queryset) -> tuple[int, int]:
    """(the count, how many of the queries it took were a COUNT)"""
    with CaptureQueriesContext(connection) as queries:
        count = cached_count(queryset)
    return count, sum("COUNT(" in query["sql"] for query in queries.captured_queries)


def test_a_count_is_read_once_then_kept(table, citizen):
    raise_concern(table, reporter=citizen)
    listed = Concern.objects.filter(table=table).listed()
    assert _counts(listed) == (1, 1)
    assert _counts(Concern.objects.filter(table=table).listed()) == (1, 0)


def test_a_new_concern_or_a_change_is_counted_at_once(table, citizen, secretariat):
    first = raise_concern(table, reporter=citizen)
    listed = Concern.objects.filter(table=table).listed()
    assert _counts(listed) == (1, 1)
    raise_concern(table, reporter=citizen)
    assert _counts(listed) == (2, 1)
    services.concern_hide(concern=first, actor=secretariat, reason="Datos personales")
    assert _counts(listed) == (1, 1)


def test_people_who_read_different_concerns_never_share_a_count(client, table, citizen, outsider):
    raise_concern(table, reporter=citizen)
    raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    assert cached_count(Concern.objects.listed_at(citizen, table)) == 2
    assert cached_count(Concern.objects.listed_at(outsider, table)) == 1
    assert cached_count(Concern.objects.listed_at(AnonymousUser(), table)) == 1
    client.force_login(outsider)
    assert client.get(API, {"table": table.slug}).json()["count"] == 1
    client.force_login(citizen)
    assert client.get(API, {"table": table.slug}).json()["count"] == 2


def test_the_list_page_counts_once_per_change(client, table, citizen):
    raise_concern(table, reporter=citizen)
    url = reverse("concerns:concern-list", kwargs={"table_slug": table.slug})
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not any("COUNT(" in query["sql"] for query in queries.captured_queries)
