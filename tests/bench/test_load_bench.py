"""The load benchmark (bench/load.py) on a tiny scale: real gunicorn with production settings, a real
Celery worker beside it, the asyncio + httpx client signing in with CSRF, against this run's test
database, with a table built here the way the seed's contract describes bench-001."""

import json

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from bench import load
from concerns import services as concern_services
from meetings import services as meeting_services
from mesa.models import Role
from tests.accounts.factories import UserFactory
from tests.bench.helpers import database_url
from tests.concerns.factories import raise_concern
from tests.indicators.factories import indicator, monthly, record
from tests.meetings.factories import schedule_session, start_session
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

PAGES = {"table", "concerns", "concerns-filtered", "concerns-search", "concern", "session", "dashboard",
         "indicator", "api-concerns"}


def bench_table():
    """bench-001 in miniature: public, its dashboard public, the bench member a citizen of it, an
    answered and supported public concern, a past public plenary with an agreement, an indicator
    with figures."""
    secretariat = UserFactory(display_name="Secretaría")
    table = TableFactory(slug=load.DEFAULT_TABLE, secretariat=secretariat)
    member = make_member(table, Role.CITIZEN, user=UserFactory(email=load.DEFAULT_MEMBER_EMAIL)).user
    # gunicorn checks it with the production hashers, not the tests' fast MD5.
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(load.DEFAULT_MEMBER_PASSWORD, hasher.salt())
    member.save(update_fields=["password"])
    institution = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    concern = raise_concern(table, reporter=member, title="Extorsión a comerciantes del mercado")
    raise_concern(table, reporter=member, title="Extorsión telefónica en la colonia Centro")
    concern_services.concern_set_status(concern=concern, status="accepted", actor=secretariat)
    concern_services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    concern_services.answer_post(concern=concern, institution=institution, author=official,
                                 text="La Fiscalía abrió una carpeta de investigación.")
    concern_services.support_add(concern=concern, user=make_member(table, Role.CITIZEN).user)
    session = start_session(schedule_session(table, title="Sesión plenaria ordinaria"), ended=True)
    meeting_services.agreement_record(session=session, actor=secretariat,
                                      text="Pedir a la Fiscalía un informe mensual de denuncias.")
    record(indicator(table, "homicides"), monthly(2025, [31, 28, 25]))
    return table


@pytest.mark.django_db(transaction=True)
def test_a_small_run_serves_every_page_to_both_visitors_and_reports_it(tmp_path):
    bench_table()

    report = load.run_load(database_url=database_url(), redis_url=settings.REDIS_URL, work_dir=tmp_path,
                           requests_per_run=4, concurrency=2, pairs=1, warmup=1, workers=2, threads=2)

    rows = {(row["key"], row["visitor"]): row for row in report["pages"]}
    assert set(rows) == {(key, visitor) for key in PAGES for visitor in ("member", "anonymous")}
    for (key, visitor), row in rows.items():
        assert row["skipped"] is None, (key, visitor)
        assert row["errors"] == 0 and row["error_kinds"] == {}, (key, visitor, row["error_kinds"])
        assert row["requests"] == 4 and row["rps"] > 0 and row["ratio"] > 0, (key, visitor)
        assert 0 < row["latency_ms"]["p50"] <= row["latency_ms"]["p95"] <= row["latency_ms"]["p99"]
        assert row["bytes"] > row["gzip_bytes"] > 0
        assert row["queries_status"] == 200 and row["queries"] > 0, (key, visitor)
    assert "q=extorsi" in rows["concerns-search", "member"]["path"]
    assert {(row["key"], row["visitor"]) for row in report["baselines"]} == {
        (key, visitor) for key in ("baseline", "baseline-api") for visitor in ("member", "anonymous")}
    for row in report["baselines"]:
        assert row["errors"] == 0 and row["rps"] > 0 and row["queries"] >= 1
    web, celery = report["memory"]["gunicorn"], report["memory"]["celery"]
    assert web["processes"] == 3 and 0 < web["largest_child_mb"] < web["total_mb"]  # master + 2 workers
    assert celery["processes"] == 3 and celery["total_mb"] > 0  # main + 2 pool children
    assert report["data"]["member"]["member_of_table"]

    table = [line for line in load.markdown(report).splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(rows) + 4  # the heading, the pages, the baselines
    json.dumps(report)


def _views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_the_baselines_are_only_in_the_bench_urlconf():
    assert settings.ROOT_URLCONF == "mesa.urls"
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline", kwargs={"pk": 1})
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline-api", kwargs={"pk": 1})
    assert not [route for route, view in _views(get_resolver("mesa.urls"))
                if view.__module__.startswith("bench") or "bench" in route]
    assert reverse("bench-baseline", kwargs={"pk": 1}, urlconf="bench.urls") == "/bench/baseline/1/"
    assert (reverse("bench-baseline-api", kwargs={"pk": 1}, urlconf="bench.urls")
            == "/api/v1/bench/baseline/1/")


def test_percentiles_are_exact_by_nearest_rank():
    values = [n / 1000 for n in range(1, 201)]
    assert load.percentile(values, 50) == 0.1
    assert load.percentile(values, 95) == 0.19
    assert load.percentile(values, 99) == 0.198
    assert load.percentile([0.5], 99) == 0.5
