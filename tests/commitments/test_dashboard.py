"""The accountability dashboard: figures on a known fixture equal hand-computed values, for the
public and for members; who may see it; sorting; links to the records; charts; the CSV; and a
query count that does not grow with the number of institutions or commitments."""

import csv
import io
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import selectors, services
from commitments.models import Commitment, CommitmentStatus
from commitments.selectors import PercentileCont
from concerns import services as concern_services
from concerns.models import Answer, ConcernAssignment, Status, Visibility
from mesa.models import GovernmentLevel, Role
from tests.accounts.factories import UserFactory
from tests.commitments.factories import (
    institution,
    official_of,
    post_update,
    record_agreement,
    record_commitment,
)
from tests.concerns.factories import raise_concern
from tests.meetings.factories import held_session, secretariat_of
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db


def dashboard_url(table, **params) -> str:
    url = reverse("commitments:dashboard", kwargs={"table_slug": table.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def csv_url(table) -> str:
    return reverse("commitments:dashboard-csv", kwargs={"table_slug": table.slug})


def english(client, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def local(table, day, hour=12, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=table.zone)


# --- The known fixture ------------------------------------------------------------------------


@pytest.fixture
def world(table):
    """Four institutions at three levels, commitments in every status, quantities, and concerns
    with answers and ratings, some of them members-only. D is the agreements' day; the figures
    are read at NOW, noon of D + 40 in the table's zone (Ciudad Juárez).

    Commitments (due date, status, quantity):
      FGE (state):   A D+10 in progress, 200 requested / 40 delivered  -> overdue 30 days
                     B D+30 open                                        -> overdue 10 days
                     C D+20 fulfilled on D+15, 10 requested / 10 delivered (on time)
                     D' D+5 fulfilled on D+12 (late)
                     E D+3 withdrawn, 50 requested (not counted anywhere but "withdrawn")
                     F D+60 open (not due yet)
      SSPE (state):  L D+20 fulfilled on D+18 (on time)
      GN (federal):  G D+20 partly fulfilled, 100 requested / 30 delivered
                     H D+10 not fulfilled
                     I D+35 fulfilled at 23:30 local on D+35: the next day in UTC, still on time
                     J D+40 open: due today, not overdue
      SSPM (municipal): K D+10 open, at a session open to members only -> overdue for members only

    Concerns (time from being asked to the institution's own first answer):
      c1 public:     FGE 2 days (and again at 6), GN 5 days
      c2 public:     FGE 4 days, SSPE 10 days
      c3 public:     FGE never answered
      c4 restricted: GN 1 day
      c5 public:     accepted on T0, GN asked 3 days later, answered a day after that: 1 day
    Ratings: FGE's answer to c1: 4 and 5, to c2: 3; GN's answer to c1: 2, to c4 (restricted): 5.
    """
    secretariat = secretariat_of(table)
    fge = institution(table, "Fiscalía General del Estado", GovernmentLevel.STATE, "FGE")
    sspe = institution(table, "Secretaría de Seguridad Pública Estatal", GovernmentLevel.STATE, "SSPE")
    guard = institution(table, "Guardia Nacional", GovernmentLevel.FEDERAL, "GN")
    police = institution(table, "Policía Municipal", GovernmentLevel.MUNICIPAL, "SSPM")
    officials = {inst.pk: official_of(inst) for inst in (fge, sspe, guard, police)}
    agreement = record_agreement(table, institutions=[fge, sspe, guard])
    private = record_agreement(table, institutions=[police], session=held_session(table, is_public=False))
    day = services.agreement_date(agreement)

    def commit(inst, due, status=None, fulfilled_on=None, delivered=0, on=agreement, at=(12, 0), **extra):
        commitment = record_commitment(on, institution=inst, due_on=day + timedelta(days=due), **extra)
        if delivered:
            post_update(commitment, officials[inst.pk], delivered_change=delivered)
        if status:
            services.commitment_set_status(commitment=commitment, actor=secretariat, status=status,
                                           reason="Sin recursos." if status == "withdrawn" else "")
        if fulfilled_on is not None:
            # Closing records "now"; the fixture needs the day it happened, so the row is moved.
            Commitment.objects.filter(pk=commitment.pk).update(
                fulfilled_at=local(table, day + timedelta(days=fulfilled_on), *at))
        return commitment

    commit(fge, 10, delivered=40, unit="agentes", requested=200, committed=40)  # A
    commit(fge, 30)  # B
    commit(fge, 20, "fulfilled", 15, delivered=10, unit="patrullas", requested=10)  # C
    commit(fge, 5, "fulfilled", 12)  # D'
    commit(fge, 3, "withdrawn", unit="cámaras", requested=50)  # E
    commit(fge, 60)  # F
    commit(sspe, 20, "fulfilled", 18)  # L
    commit(guard, 20, "partly_fulfilled", 25, delivered=30, unit="elementos", requested=100,
           committed=80)  # G
    commit(guard, 10, "not_fulfilled")  # H
    commit(guard, 35, "fulfilled", 35, at=(23, 30))  # I
    commit(guard, 40)  # J
    commit(police, 10, on=private)  # K

    t0 = local(table, day, 9)
    reporters = [make_member(table, Role.CITIZEN).user for _ in range(5)]

    def concern(number, institutions, visibility=Visibility.PUBLIC):
        raised = raise_concern(table, reporter=reporters[number - 1], visibility=visibility,
                               title=f"Planteamiento {number}")
        concern_services.concern_set_status(concern=raised, status=Status.ACCEPTED, actor=secretariat)
        concern_services.concern_assign(concern=raised, institutions=institutions, actor=secretariat)
        ConcernAssignment.objects.filter(concern=raised).update(assigned_at=t0)
        return raised

    def answer(on, inst, days):
        posted = concern_services.answer_post(concern=on, institution=inst, author=officials[inst.pk],
                                              text="Respuesta oficial.")
        Answer.objects.filter(pk=posted.pk).update(created_at=t0 + timedelta(days=days))
        return posted

    c1, c2, c3 = concern(1, [fge, guard]), concern(2, [fge, sspe]), concern(3, [fge])
    c4 = concern(4, [guard], Visibility.RESTRICTED)
    c5 = concern(5, [guard])
    ConcernAssignment.objects.filter(concern=c5).update(assigned_at=t0 + timedelta(days=3))
    fge_c1 = answer(c1, fge, 2)
    answer(c1, fge, 6)
    guard_c1 = answer(c1, guard, 5)
    fge_c2 = answer(c2, fge, 4)
    answer(c2, sspe, 10)
    guard_c4 = answer(c4, guard, 1)
    answer(c5, guard, 4)
    supporter = make_member(table, Role.CITIZEN).user
    for rated, user, score in ((fge_c1, reporters[0], 4), (fge_c1, supporter, 5), (fge_c2, reporters[1], 3),
                               (guard_c1, reporters[0], 2), (guard_c4, reporters[3], 5)):
        concern_services.rating_set(answer=rated, user=user, score=score)
    assert c3.answers.count() == 0

    return SimpleNamespace(table=table, fge=fge, sspe=sspe, guard=guard, police=police, day=day,
                           now=local(table, day + timedelta(days=40)), member=reporters[0])


def figures_of(rows) -> dict:
    return {row.label: row for row in rows}


def as_tuple(f) -> tuple:
    return (
        [f.by_status[status] for status in CommitmentStatus.values], f.total, f.pending,
        f.overdue, f.days_overdue, f.longest_overdue, f.on_time, f.on_time_base, f.on_time_share,
        f.with_quantity, f.requested, f.delivered, f.delivered_share,
        f.assigned, f.answered, f.answer_median_days, f.ratings, f.rating_average,
    )


#                                  statuses: open, in progress, fulfilled, partly, not, withdrawn
PUBLIC_INSTITUTIONS = {
    "Guardia Nacional (GN)": ([1, 0, 1, 1, 1, 0], 4, 1, 0, 0, 0, 1, 3, pytest.approx(1 / 3),
                              1, 100, 30, 0.3, 2, 2, 3.0, 1, 2.0),
    "Fiscalía General del Estado (FGE)": ([2, 1, 2, 0, 0, 1], 6, 3, 2, 40, 30, 1, 4, 0.25,
                                          2, 210, 50, pytest.approx(50 / 210), 3, 2, 3.0, 3, 4.0),
    "Secretaría de Seguridad Pública Estatal (SSPE)": ([0, 0, 1, 0, 0, 0], 1, 0, 0, 0, 0, 1, 1, 1.0,
                                                       0, 0, 0, None, 1, 1, 10.0, 0, None),
    "Policía Municipal (SSPM)": ([0, 0, 0, 0, 0, 0], 0, 0, 0, 0, 0, 0, 0, None,
                                 0, 0, 0, None, 0, 0, None, 0, None),
}
PUBLIC_LEVELS = {
    "Federal": PUBLIC_INSTITUTIONS["Guardia Nacional (GN)"],
    "State": ([2, 1, 3, 0, 0, 1], 7, 3, 2, 40, 30, 2, 5, 0.4,
              2, 210, 50, pytest.approx(50 / 210), 4, 3, 4.0, 3, 4.0),
    "Municipal": PUBLIC_INSTITUTIONS["Policía Municipal (SSPM)"],
}


def test_public_figures_equal_the_hand_computed_values(world):
    data = selectors.dashboard_figures(table=world.table, user=AnonymousUser(), now=world.now)
    institutions = figures_of(data.institutions)
    # Listed by level (federal, state, municipal), then name.
    assert [row.label for row in data.institutions] == [
        "Guardia Nacional (GN)", "Fiscalía General del Estado (FGE)",
        "Secretaría de Seguridad Pública Estatal (SSPE)", "Policía Municipal (SSPM)"]
    for label, expected in PUBLIC_INSTITUTIONS.items():
        assert as_tuple(institutions[label]) == expected, label
    levels = figures_of(data.levels)
    assert [row.level for row in data.levels] == ["federal", "state", "municipal"]
    for label, expected in PUBLIC_LEVELS.items():
        assert as_tuple(levels[label]) == expected, label


def test_members_figures_include_members_only_sessions_and_restricted_concerns(world):
    data = selectors.dashboard_figures(table=world.table, user=world.member, now=world.now)
    institutions = figures_of(data.institutions)
    assert as_tuple(institutions["Policía Municipal (SSPM)"]) == (
        [1, 0, 0, 0, 0, 0], 1, 1, 1, 30, 30, 0, 1, 0.0, 0, 0, 0, None, 0, 0, None, 0, None)
    guard = institutions["Guardia Nacional (GN)"]
    # c4 (restricted) answered in 1 day joins c1 (5) and c5 (1); its rating of 5 joins the 2.
    assert (guard.assigned, guard.answered, guard.answer_median_days) == (3, 3, 1.0)
    assert (guard.ratings, guard.rating_average) == (2, 3.5)
    levels = figures_of(data.levels)
    assert (levels["Federal"].answer_median_days, levels["Federal"].rating_average) == (1.0, 3.5)
    assert (levels["Municipal"].overdue, levels["Municipal"].days_overdue) == (1, 30)


def test_everyone_of_an_audience_sees_the_same_figures_whatever_else_they_may_read(world, secretariat):
    """The secretariat reads hidden concerns too; the dashboard counts what the lists show."""
    c1 = Answer.objects.get(institution=world.guard, concern__title="Planteamiento 1").concern
    concern_services.concern_hide(concern=c1, actor=secretariat, reason="Datos personales")
    for_secretariat = selectors.dashboard_figures(table=world.table, user=secretariat, now=world.now)
    cache.clear()
    for_citizen = selectors.dashboard_figures(table=world.table, user=world.member, now=world.now)
    assert [as_tuple(row) for row in for_secretariat.institutions] == [
        as_tuple(row) for row in for_citizen.institutions]
    guard = figures_of(for_secretariat.institutions)["Guardia Nacional (GN)"]
    # c1 (answered in 5 days, rated 2) is left out: c4 (1 day, rated 5) and c5 (1 day) remain.
    assert (guard.assigned, guard.answered, guard.answer_median_days) == (2, 2, 1.0)
    assert (guard.ratings, guard.rating_average) == (1, 5.0)


def test_figures_are_kept_for_a_few_minutes_and_say_when_they_were_computed(world):
    first = selectors.dashboard_figures(table=world.table, user=AnonymousUser(), now=world.now)
    commit_more = Commitment.objects.filter(institution=world.fge).count()
    record_commitment(record_agreement(world.table, institutions=[world.fge]), institution=world.fge)
    assert Commitment.objects.filter(institution=world.fge).count() == commit_more + 1
    soon = selectors.dashboard_figures(table=world.table, user=AnonymousUser(),
                                       now=world.now + timedelta(minutes=1))
    assert soon.now == first.now == world.now
    assert as_tuple(figures_of(soon.institutions)["Fiscalía General del Estado (FGE)"]) == as_tuple(
        figures_of(first.institutions)["Fiscalía General del Estado (FGE)"])
    cache.clear()  # as FIGURES_SECONDS later
    later = selectors.dashboard_figures(table=world.table, user=AnonymousUser(),
                                        now=world.now + timedelta(seconds=selectors.FIGURES_SECONDS))
    assert later.now == world.now + timedelta(seconds=selectors.FIGURES_SECONDS)
    assert figures_of(later.institutions)["Fiscalía General del Estado (FGE)"].total == (
        figures_of(first.institutions)["Fiscalía General del Estado (FGE)"].total + 1)


def test_members_and_the_public_never_share_kept_figures(world):
    public = selectors.dashboard_figures(table=world.table, user=AnonymousUser(), now=world.now)
    members = selectors.dashboard_figures(table=world.table, user=world.member, now=world.now)
    police = "Policía Municipal (SSPM)"
    assert figures_of(public.institutions)[police].total == 0
    assert figures_of(members.institutions)[police].total == 1


def test_on_the_due_date_nothing_is_overdue_yet_and_the_next_day_it_is(world):
    on_due_day = selectors.dashboard_figures(table=world.table, user=AnonymousUser(),
                                             now=local(world.table, world.day + timedelta(days=10), 23, 59))
    fge = figures_of(on_due_day.institutions)["Fiscalía General del Estado (FGE)"]
    # A (due D+10) is not overdue on D+10, even at 23:59 local (already the next day in UTC).
    assert (fge.overdue, fge.days_overdue) == (0, 0)
    next_day = selectors.dashboard_figures(table=world.table, user=AnonymousUser(),
                                           now=local(world.table, world.day + timedelta(days=11), 0, 1))
    fge = figures_of(next_day.institutions)["Fiscalía General del Estado (FGE)"]
    assert (fge.overdue, fge.days_overdue, fge.longest_overdue) == (1, 1, 1)


def test_percentile_cont_gives_the_median_of_an_even_group(world):
    # FGE answered c1 in 2 days and c2 in 4: the median is the mean of the two middle values.
    median = (ConcernAssignment.objects.filter(institution=world.fge)
              .aggregate(m=PercentileCont("concern_id", 0.5))["m"])
    ids = sorted(ConcernAssignment.objects.filter(institution=world.fge).values_list("concern_id", flat=True))
    assert median == ids[1]
    with pytest.raises(ValueError):
        PercentileCont("concern_id", 1.5)


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def at_now(monkeypatch):
    """Make the request's clock read `when` (the views take one `now` per request)."""

    def set_clock(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_clock


def test_the_page_shows_the_figures_with_links_to_the_records_behind_them(client, world, at_now):
    at_now(world.now)
    page = english(client).get(dashboard_url(world.table)).content.decode()
    list_url = reverse("commitments:list", kwargs={"table_slug": world.table.slug})
    fge = world.fge.pk
    assert f'<a href="{list_url}?institution={fge}&amp;status=open">2</a>' in page
    assert f'<a href="{list_url}?institution={fge}&amp;status=pending">' in page
    assert f'<a href="{list_url}?institution={fge}&amp;overdue=1">40</a>' in page  # days overdue
    assert f'<a href="{list_url}?institution={fge}&amp;status=fulfilled">25%</a>' in page
    assert "1 of 4" in page
    assert f'<a href="{list_url}?institution={fge}">23.8%</a>' in page  # delivered share
    assert f'<a href="{list_url}?level=state&amp;status=withdrawn">1</a>' in page
    concerns_url = reverse("concerns:concern-list", kwargs={"table_slug": world.table.slug})
    assert f'<a href="{concerns_url}?institution={fge}">3</a>' in page  # median days
    assert "2 of 3 answered" in page
    assert f'<a href="{concerns_url}?institution={fge}">4</a>' in page and "3 ratings" in page
    # The definition of "fulfilled on time" is on the page.
    assert "divided by the commitments that are fulfilled, partly fulfilled or not fulfilled" in page
    assert f'datetime="{world.now.isoformat()}"' in page


def test_the_page_draws_accessible_charts_beside_the_tables(client, world, at_now):
    at_now(world.now)
    page = english(client).get(dashboard_url(world.table)).content.decode()
    assert page.count('role="img"') == 4
    assert 'aria-labelledby="chart-status-institutions-title chart-status-institutions-desc"' in page
    assert ('<title id="chart-status-institutions-title">Commitments by status, per institution</title>'
            in page)
    assert ("Fiscalía General del Estado (FGE) — Open: 2, In progress: 1, Fulfilled: 2, Partly fulfilled: 0, "
            "Not fulfilled: 0, Withdrawn: 1.") in page
    assert "Fiscalía General del Estado (FGE) — Requested: 210, Delivered: 50 (23.8%)." in page
    assert "<script" not in page.split("<main")[1]


def test_columns_sort_on_the_server_both_ways_with_aria_sort(client, world, at_now):
    at_now(world.now)
    client = english(client)
    page = client.get(dashboard_url(world.table, sort="-overdue")).content.decode()
    body = page.split('id="institutions-caption"')[1]
    order = [body.index(name) for name in ("Fiscalía General", "Guardia Nacional", "Policía Municipal")]
    assert order == sorted(order)
    assert 'aria-sort="descending"' in page
    assert 'href="?sort=overdue#institutions"' in page  # the sorted column's link turns it around
    page = client.get(dashboard_url(world.table, sort="rating")).content.decode()
    body = page.split('id="institutions-caption"')[1].split("</table>")[0]
    # 2.0 before 4.0; institutions without ratings ("—") last.
    order = [body.index(name) for name in ("Guardia Nacional", "Fiscalía General", "Policía Municipal")]
    assert order == sorted(order)
    assert 'aria-sort="ascending"' in page


def test_an_unknown_sort_keeps_the_default_order(client, world):
    response = english(client).get(dashboard_url(world.table, sort="-password"))
    assert response.status_code == 200
    assert "aria-sort" not in response.content.decode()


def test_sorting_by_level_sorts_institutions_and_leaves_the_level_table_as_it_is(client, world):
    page = english(client).get(dashboard_url(world.table, sort="-level")).content.decode()
    institutions, levels = page.split('id="institutions-caption"')[1].split('id="levels-caption"')
    names = ("Policía Municipal", "Fiscalía General", "Guardia Nacional")
    order = [institutions.index(name) for name in names]
    assert order == sorted(order)
    order = [levels.index(f'<th scope="row">{name}</th>') for name in ("Federal", "State", "Municipal")]
    assert order == sorted(order)
    assert client.get(csv_url(world.table) + "?sort=-level").status_code == 200


# --- Who may see it ------------------------------------------------------------------------------


def test_anyone_sees_the_dashboard_of_a_public_table_whose_dashboard_is_public(client, table):
    assert english(client).get(dashboard_url(table)).status_code == 200
    assert client.get(csv_url(table)).status_code == 200


def test_a_members_only_dashboard_is_not_found_for_others_and_shown_to_members(client, table, citizen,
                                                                                outsider):
    table.dashboard_is_public = False
    table.save()
    for person in (None, outsider):
        assert english(client, person).get(dashboard_url(table)).status_code == 404
        assert client.get(csv_url(table)).status_code == 404
    assert english(client, citizen).get(dashboard_url(table)).status_code == 200
    assert client.get(csv_url(table)).status_code == 200


def test_the_dashboard_of_a_private_table_is_for_its_members_only(client, citizen, other_secretariat):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    member = make_member(private, Role.CITIZEN).user
    for person in (None, citizen, other_secretariat):
        assert english(client, person).get(dashboard_url(private)).status_code == 404
    assert english(client, member).get(dashboard_url(private)).status_code == 200


def test_an_unknown_table_is_not_found(client, db):
    assert client.get("/t/no-such-table/dashboard/").status_code == 404


# --- CSV ---------------------------------------------------------------------------------------


def test_the_csv_has_the_same_figures_per_institution_and_per_level(client, world, at_now):
    at_now(world.now)
    response = english(client).get(csv_url(world.table))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = (world.day + timedelta(days=40)).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{world.table.slug}-dashboard-{day}.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    header = rows[0]
    assert header[:4] == ["Grouping", "Name", "Government level", "Commitments"]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(rows) == 1 + 4 + 3
    fge = by_name["Fiscalía General del Estado (FGE)"]
    assert (fge["Grouping"], fge["Government level"], fge["Commitments"], fge["Open"], fge["Withdrawn"],
            fge["Pending"], fge["Overdue"], fge["Days overdue, in total"], fge["Longest overdue, in days"],
            fge["Fulfilled on time"], fge["Fulfilled, partly or not fulfilled, or due"],
            fge["Fulfilled on time (%)"], fge["Requested"], fge["Delivered"], fge["Delivered share (%)"],
            fge["Concerns asked to answer"], fge["Concerns answered"], fge["Median days to a first answer"],
            fge["Ratings"], fge["Average rating (1 to 5)"]) == (
        "Institution", "State", "6", "2", "1", "3", "2", "40", "30", "1", "4", "25.0", "210", "50", "23.8",
        "3", "2", "3.0", "3", "4.0")
    state = by_name["State"]
    assert (state["Grouping"], state["Commitments"], state["Fulfilled on time (%)"],
            state["Median days to a first answer"]) == ("Government level", "7", "40.0", "4.0")
    assert by_name["Municipal"]["Fulfilled on time (%)"] == ""


def test_csv_cells_never_start_a_spreadsheet_formula(client, table):
    institution(table, "=HYPERLINK(\"http://example.com\")", GovernmentLevel.STATE)
    content = english(client).get(csv_url(table)).content.decode("utf-8")
    assert "'=HYPERLINK" in content
    assert ",=HYPERLINK" not in content


# --- Query count -----------------------------------------------------------------------------


def _grow(table, institutions: int, commitments: int):
    """`institutions` institutions, the first with `commitments` commitments (with quantities),
    each other with one; and a concern per institution, answered and rated."""
    secretariat = secretariat_of(table)
    made = [institution(table, f"Institución {index}", list(GovernmentLevel.values)[index % 3])
            for index in range(institutions)]
    agreement = record_agreement(table, institutions=made)
    for index, inst in enumerate(made):
        for _ in range(commitments if index == 0 else 1):
            record_commitment(agreement, institution=inst, unit="agentes", requested=10)
        concern = raise_concern(table, reporter=make_member(table, Role.CITIZEN).user)
        concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
        concern_services.concern_assign(concern=concern, institutions=[inst], actor=secretariat)
        answer = concern_services.answer_post(concern=concern, institution=inst, author=official_of(inst),
                                              text="Respuesta.")
        concern_services.rating_set(answer=answer, user=concern.reporter, score=4)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_query_count_does_not_grow_with_institutions_or_commitments(client, who,
                                                                         django_assert_max_num_queries):
    counts = {}
    for institutions, commitments in ((1, 1), (5, 1), (1, 20)):
        table = TableFactory(secretariat=UserFactory())
        _grow(table, institutions, commitments)
        member = make_member(table, Role.CITIZEN).user if who == "member" else None
        english(client, member)
        client.get(dashboard_url(table))  # warm the per-process caches (content types, permissions)
        cache.clear()  # figures computed, not kept
        counts[(institutions, commitments)] = (_queries(client, dashboard_url(table)),
                                               _queries(client, csv_url(table)))
    assert counts[(1, 1)] == counts[(5, 1)] == counts[(1, 20)]
    # Anonymous: table, institutions, commitments, answer times per institution and per level,
    # ratings. Members add their session and user and their permissions (one query, with the
    # subcommittees they coordinate).
    cache.clear()
    with django_assert_max_num_queries(6 if who == "anonymous" else 9):
        assert client.get(dashboard_url(table)).status_code == 200
    # Kept figures: the table and its institutions (and the member's three).
    with django_assert_max_num_queries(2 if who == "anonymous" else 5):
        assert client.get(dashboard_url(table)).status_code == 200
    page, csv_count = counts[(1, 1)]
    assert csv_count < page  # the CSV reads the figures the page computed


def test_the_page_and_the_csv_follow_the_language(client, world, at_now):
    at_now(world.now)
    client.cookies["django_language"] = "es"
    page = client.get(dashboard_url(world.table)).content.decode()
    assert '<html lang="es">' in page
    assert "23,8" in page  # a Spanish decimal comma
    assert client.get(csv_url(world.table)).status_code == 200
