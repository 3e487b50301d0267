"""`manage.py seed_bench` (bench/seed.py) at scale 0.01, in the test database.

The data set is loaded once for the module, inside a transaction that is rolled back at the
end (the history tables refuse TRUNCATE); each test runs in a savepoint within it.
"""

from collections import defaultdict
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from bench import seed as bench_seed
from commitments.models import ActionUpdate, Commitment, CommitmentStatus
from concerns import services as concern_services
from concerns.models import TRANSITIONS, Concern, ConcernEvent, Follow, Support, Visibility
from indicators.models import Indicator, Observation
from meetings.models import Agreement, Session
from mesa import permissions
from mesa.history import verify_history
from mesa.models import Institution, Membership, Organisation, Role, Table
from subcommittees.models import Subcommittee

SCALE = 0.01
SPEC = bench_seed.scaled_counts(SCALE)

pytestmark = pytest.mark.django_db


def schema() -> list[tuple]:
    """Every constraint, index and trigger (with whether it is enabled) of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'trigger', tgrelid::regclass::text, tgname, tgenabled::text FROM pg_trigger
            WHERE NOT tgisinternal
            ORDER BY 1, 2, 3
        """)
        return cursor.fetchall()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # The fast hasher of the tests (conftest) for the one usable password, so that login checks it.
    with (django_db_blocker.unblock(),
          override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])):
        before = schema()
        out = StringIO()
        with transaction.atomic():
            call_command("seed_bench", "--scale", str(SCALE), stdout=out)
            yield SimpleNamespace(output=out.getvalue(), schema_before=before)
            transaction.set_rollback(True)


def test_scaled_counts_round_half_up_and_never_fall_to_zero():
    assert SPEC == {"tables": 1, "users": 2_000, "institutions": 10, "organisations": 4, "concerns": 5_000,
                    "supports": 20_000, "sessions": 200, "agreements": 500, "commitments": 1_000,
                    "updates": 3_000, "indicators": 7}
    assert bench_seed.scaled_counts(0.015)["tables"] == 2
    assert set(bench_seed.scaled_counts(0.0000001).values()) == {1}


def test_allocate_splits_a_total_by_weight_within_caps():
    assert bench_seed.allocate(10, [1, 1, 2]) == [3, 2, 5]
    assert bench_seed.allocate(10, [1, 1], caps=[2, 100]) == [2, 8]
    assert bench_seed.allocate(5, [1, 0, 1]) == [3, 0, 2]
    assert sum(bench_seed.allocate(1_000, [i % 7 + 0.5 for i in range(333)])) == 1_000


def test_the_command_reports_its_steps_times_and_row_counts(seeded):
    assert "Total:" in seeded.output
    assert f"{SPEC['concerns']:>12,}  concerns" in seeded.output
    assert "create indexes and constraints again" in seeded.output


def test_row_counts_match_the_scaled_spec(seeded):
    tables = Table.objects.filter(slug__startswith=bench_seed.SLUG_PREFIX)
    assert list(tables.values_list("slug", flat=True)) == ["bench-001"]
    assert User.objects.count() == SPEC["users"]
    assert Institution.objects.count() == SPEC["institutions"]
    assert Organisation.objects.count() == SPEC["organisations"]
    assert Concern.objects.count() == SPEC["concerns"]
    assert Support.objects.count() == SPEC["supports"]
    assert Session.objects.count() == SPEC["sessions"]
    assert Agreement.objects.count() == SPEC["agreements"]
    assert Commitment.objects.count() == SPEC["commitments"]
    assert ActionUpdate.objects.count() == SPEC["updates"]
    # table_create made the standard indicators; the seven of each table have five years of figures.
    assert Indicator.objects.count() == 11 * SPEC["tables"]
    observed = Observation.objects.values("indicator").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in observed) == [bench_seed.OBSERVATION_MONTHS] * SPEC["indicators"]
    assert Subcommittee.objects.exclude(standing_theme="").count() == 5 * SPEC["tables"]


def test_a_third_of_concerns_are_restricted_and_a_tenth_anonymous(seeded):
    shares = dict(Concern.objects.values_list("visibility").annotate(n=Count("pk")))
    assert shares[Visibility.RESTRICTED] == round(SPEC["concerns"] * 0.3)
    assert shares[Visibility.ANONYMOUS] == round(SPEC["concerns"] * 0.1)
    anonymous = Concern.objects.filter(visibility=Visibility.ANONYMOUS)
    assert not anonymous.filter(Q(reporter__isnull=False) | Q(receipt_hash__isnull=True)).exists()
    assert not Concern.objects.exclude(visibility=Visibility.ANONYMOUS).filter(reporter__isnull=True).exists()


def test_counters_equal_the_rows_they_count(seeded):
    supported = Concern.objects.annotate(supports_=Count("supports"))
    assert not supported.exclude(support_count=F("supports_")).exists()
    assert supported.filter(support_count__gt=0).count() > SPEC["concerns"] / 4
    answered = Concern.objects.annotate(first_answer=Min("answers__created_at"))
    assert not answered.exclude(first_answer_at=F("first_answer")).exclude(
        first_answer_at__isnull=True, first_answer__isnull=True).exists()
    commitments = Commitment.objects.annotate(total=Sum("updates__delivered_change"),
                                              n_updates=Count("updates"),
                                              first_update=Min("updates__created_at"))
    assert not commitments.filter(n_updates=0).exclude(delivered=0).exists()
    assert not commitments.filter(n_updates__gt=0).exclude(delivered=F("total")).exists()
    assert not commitments.exclude(first_update_at=F("first_update")).exclude(
        first_update_at__isnull=True, first_update__isnull=True).exists()
    assert not commitments.filter(status=CommitmentStatus.OPEN, n_updates__gt=0).exists()
    # What support_add and concern_raise write with a support or a concern.
    assert not Support.objects.filter(user=F("concern__reporter")).exists()
    followed = Follow.objects.filter(concern=F("concern"), user=F("concern__reporter"))
    assert followed.count() == Concern.objects.filter(reporter__isnull=False).count()


def test_codes_and_numbers_follow_the_services(seeded):
    for agreement in Agreement.objects.select_related("session"):
        assert agreement.code == f"{agreement.session.code}/{agreement.number}"
    for commitment in Commitment.objects.select_related("agreement"):
        assert commitment.code == f"{commitment.agreement.code}-{commitment.number}"
    plenary = Session.objects.filter(subcommittee__isnull=True).order_by("starts_at").first()
    assert plenary.code.startswith("PL-")
    assert Session.objects.filter(starts_at__gt=F("created_at")).count() == SPEC["sessions"]


def test_members_sit_in_the_guardian_groups_of_their_role(seeded):
    expected = defaultdict(set)
    for membership in Membership.objects.select_related("table"):
        for kind in permissions.role_group_kinds(membership):
            expected[membership.user_id].add(permissions.group_name(membership.table, kind))
    actual = defaultdict(set)
    for user_id, name in User.groups.through.objects.values_list("user_id", "group__name"):
        actual[user_id].add(name)
    assert actual == expected
    roles = dict(Membership.objects.values_list("role").annotate(n=Count("pk")))
    assert roles[Role.CITIZEN] > SPEC["users"] / 2
    assert 1 <= roles[Role.SECRETARIAT] <= 3 * SPEC["tables"]
    assert roles[Role.OFFICIAL] >= SPEC["institutions"]


def test_concern_timelines_follow_the_allowed_transitions(seeded):
    status = {}
    steps = ConcernEvent.objects.filter(
        kind__in=[ConcernEvent.Kind.RAISED, ConcernEvent.Kind.STATUS, ConcernEvent.Kind.ANSWERED,
                  ConcernEvent.Kind.CONFIRMED]).order_by("concern_id", "created_at", "pk")
    for concern_id, kind, from_status, to_status in steps.values_list("concern_id", "kind", "from_status",
                                                                      "to_status"):
        if kind == ConcernEvent.Kind.RAISED:
            status[concern_id] = to_status
            continue
        assert from_status == status[concern_id]
        if to_status != from_status:
            assert to_status in TRANSITIONS[from_status]
        status[concern_id] = to_status
    assert status == dict(Concern.objects.values_list("pk", "status"))


def test_search_vectors_are_the_ones_the_trigger_writes(seeded):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM concerns_concern WHERE search_vector IS DISTINCT FROM (
                setweight(to_tsvector('spanish', mesa_unaccent(coalesce(title, ''))), 'A') ||
                setweight(to_tsvector('english', mesa_unaccent(coalesce(title, ''))), 'A') ||
                setweight(to_tsvector('spanish', mesa_unaccent(coalesce(description, ''))), 'B') ||
                setweight(to_tsvector('english', mesa_unaccent(coalesce(description, ''))), 'B'))
        """)
        assert cursor.fetchone()[0] == 0


def test_search_finds_a_seeded_concern_by_a_word_of_its_title(seeded):
    concern = Concern.objects.filter(title__contains="extorsión").order_by("pk").first()
    assert concern is not None
    assert Concern.objects.search("extorsion").filter(pk=concern.pk).exists()  # accents folded
    word = max(concern.title.split(), key=len).strip("(),")
    assert Concern.objects.search(word).filter(pk=concern.pk).exists()


def test_anonymous_visitors_see_public_concerns_only_members_the_rest(seeded):
    visible = Concern.objects.visible_to(AnonymousUser())
    assert visible.exists()
    assert not visible.exclude(visibility=Visibility.PUBLIC).exists()
    member = User.objects.get(email=bench_seed.MEMBER_EMAIL)
    assert Concern.objects.visible_to(member).filter(visibility=Visibility.RESTRICTED).exists()


def test_the_bench_member_signs_in_with_the_login_form_and_sees_the_concern_list(client, seeded):
    member = User.objects.get(email=bench_seed.MEMBER_EMAIL)
    membership = Membership.objects.get(user=member, table__slug="bench-001")
    assert membership.role == Role.CITIZEN and membership.is_active and member.is_email_verified
    response = client.post(reverse("accounts:login"),
                           {"username": bench_seed.MEMBER_EMAIL, "password": bench_seed.BENCH_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    response = client.get(reverse("concerns:concern-list", kwargs={"table_slug": "bench-001"}))
    assert response.status_code == 200
    top = Concern.objects.visible_to(member).filter(table__slug="bench-001").listed().by_priority().first()
    assert top.title in response.content.decode()


def test_other_users_cannot_sign_in(seeded):
    known = [bench_seed.MEMBER_EMAIL, *bench_seed.ROLE_EMAILS.values()]
    assert User.objects.filter(email__in=known).count() == len(known)
    assert not User.objects.exclude(email__in=known).exclude(password__startswith="!").exists()


def test_history_is_complete_and_chained(seeded):
    assert verify_history() == []


def test_the_schema_is_as_migrated_afterwards(seeded):
    assert schema() == seeded.schema_before


def test_the_app_writes_new_rows_after_the_copied_ones(seeded):
    member = User.objects.get(email=bench_seed.MEMBER_EMAIL)
    table = Table.objects.get(slug="bench-001")
    concern, _code = concern_services.concern_raise(
        table=table, subcommittee=table.subcommittees.first(), title="Robo en la parada",
        description="Otra vez.", visibility=Visibility.PUBLIC, reporter=member)
    assert concern.pk > Concern.objects.exclude(pk=concern.pk).order_by("-pk").first().pk
    supporter = Membership.objects.filter(table=table, role=Role.CITIZEN, left_at__isnull=True).exclude(
        user=member).first().user
    concern_services.support_add(concern=concern, user=supporter)
    concern.refresh_from_db()
    assert concern.support_count == 1


def test_a_second_run_refuses(seeded):
    with pytest.raises(CommandError, match="already has bench tables"):
        call_command("seed_bench", "--scale", str(SCALE), stdout=StringIO())
