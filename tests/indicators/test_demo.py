"""The indicators demo (issue 8, "Done when"): the performance-indicators coordinator imports a
year of monthly extortion figures from the demo spreadsheet through the import pages (upload,
preview, confirm), and the series then stands against its baseline and target; homicides and
the justice chain come seeded; seeding again adds nothing; the history verifies clean."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from indicators import figures, imports, permissions
from indicators.models import Indicator, Observation, Target
from mesa.history import timeline, verify_history
from mesa.management.commands import seed_demo
from mesa.models import Role, Table
from subcommittees.models import Subcommittee

pytestmark = pytest.mark.django_db

SEEDED_SERIES = ["homicides", "arrests", "cases-handed-to-prosecutors", "charges-brought", "convictions"]
INDICATOR_MODELS = [Indicator, Target, Observation]


def run_seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    run_seed()
    return Table.objects.get(slug="juarez")


@pytest.fixture
def coordinator(demo):
    return User.objects.get(email=seed_demo.INDICATORS_COORDINATOR)


def spreadsheet() -> SimpleUploadedFile:
    data = (settings.BASE_DIR / seed_demo.EXTORTION_SPREADSHEET).read_bytes()
    return SimpleUploadedFile("extorsion-ciudad-juarez.xlsx", data)


def extortion(table: Table) -> Indicator:
    return Indicator.objects.get(table=table, code="extortion")


def import_the_spreadsheet(client, table: Table, user: User):
    """What the coordinator does on the phone: open the import page, upload, check, confirm."""
    client.force_login(user)
    client.cookies["django_language"] = "en"
    url = reverse("indicators:import", kwargs={"table_slug": table.slug})
    assert client.get(url).status_code == 200
    preview = client.post(url, {"file": spreadsheet()})
    assert preview.status_code == 200
    assert "Confirm import of 12 figures" in preview.content.decode()
    token = preview.context["confirm"].initial["token"]
    return client.post(reverse("indicators:import-confirm", kwargs={"table_slug": table.slug}),
                       {"token": token})


def test_the_demo_coordinator_coordinates_the_performance_indicators(demo, coordinator):
    assert coordinator.display_name == "Coordinación de indicadores"
    assert demo.memberships.get(user=coordinator).role == Role.COORDINATOR
    owner = demo.subcommittees.get(standing_theme=Subcommittee.Theme.INDICATORS)
    assert list(owner.coordinators.all()) == [coordinator]
    assert permissions.can_define_indicators(coordinator, demo)
    assert coordinator.check_password(seed_demo.DEMO_PASSWORD)


def test_the_demo_coordinator_imports_a_year_of_extortion_from_the_spreadsheet(client, demo, coordinator):
    indicator = extortion(demo)
    assert not indicator.observations.exists()

    response = import_the_spreadsheet(client, demo, coordinator)

    assert response.status_code == 302
    assert response["Location"] == indicator.get_absolute_url()
    series = list(indicator.observations.order_by("period_start"))
    assert len(series) == 12
    assert [o.period_start for o in series] == [date(seed_demo.EXTORTION_YEAR, m, 1) for m in range(1, 13)]
    assert {o.entered_by for o in series} == {coordinator}
    assert {o.source for o in series} == {"Fiscalía General del Estado de Chihuahua"}
    for observation in series:
        [entry] = timeline(observation.events.all())
        assert entry.user_id == coordinator.pk


def test_the_imported_extortion_series_stands_against_its_baseline_and_target(client, demo, coordinator):
    import_the_spreadsheet(client, demo, coordinator)
    indicator = extortion(demo)
    summary = figures.summaries([indicator])[indicator.pk]
    assert len(summary.points) == 12
    assert summary.latest == (date(seed_demo.EXTORTION_YEAR, 12, 1), Decimal("49"))
    assert indicator.baseline_value == Decimal("58")
    assert indicator.baseline_period == date(seed_demo.EXTORTION_YEAR - 1, 12, 1)
    # 49 against a baseline of 58: 9 fewer, -15.5 %.
    assert (summary.against_baseline.difference, summary.against_baseline.percent) == (
        Decimal("-9"), Decimal("-15.5"))
    assert summary.target.value == Decimal("46.40")  # 20 % below the baseline
    assert summary.status == figures.ON_TRACK


@pytest.mark.parametrize(("language", "name"), [("es", "Extorsión"), ("en", "Extortion")])
def test_after_the_import_anyone_sees_the_extortion_trend_in_both_languages(client, demo, coordinator,
                                                                            language, name):
    import_the_spreadsheet(client, demo, coordinator)
    client.logout()
    client.cookies["django_language"] = language
    response = client.get(extortion(demo).get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert name in page.split("<h1")[1].split("</h1>")[0]
    assert "<svg" in page
    for month in range(1, 13):
        assert f"{seed_demo.EXTORTION_YEAR}-{month:02d}" in page


def test_the_spreadsheet_holds_twelve_months_of_the_seeds_extortion_year():
    rows = imports.read_table(spreadsheet())
    assert [str(cell).lower() for cell in rows[0]] == ["indicador", "periodo", "valor", "fuente"]
    assert [row[1] for row in rows[1:]] == [f"{seed_demo.EXTORTION_YEAR}-{m:02d}" for m in range(1, 13)]
    assert {row[0] for row in rows[1:]} == {"extortion"}


def test_the_seed_enters_twelve_months_of_homicides_and_the_justice_chain_but_no_extortion(demo, coordinator):
    for code in SEEDED_SERIES:
        indicator = Indicator.objects.get(table=demo, code=code)
        series = list(indicator.observations.order_by("period_start"))
        assert len(series) == 12, code
        assert {o.entered_by for o in series} == {coordinator}
        assert indicator.baseline_value is not None and indicator.baseline_period < series[0].period_start
        [target] = indicator.targets.all()
        assert target.set_by == coordinator
        assert target.due_on > series[-1].period_start
    assert not extortion(demo).observations.exists()
    assert extortion(demo).targets.count() == 1


def test_the_seed_writes_the_indicators_history_in_the_coordinators_name(demo, coordinator):
    homicides = Indicator.objects.get(table=demo, code="homicides")
    baseline_events = [e for e in homicides.events.all() if e.baseline_value is not None]
    seeded = {"user": coordinator.pk, "url": "seed_demo"}
    assert [e.pgh_context for e in baseline_events] == [seeded]
    for observation in homicides.observations.all():
        assert [e.pgh_context for e in observation.events.all()] == [seeded]


def test_the_seed_points_to_the_spreadsheet_until_it_is_imported(client, demo, coordinator):
    output = run_seed()
    assert seed_demo.EXTORTION_SPREADSHEET in output
    assert seed_demo.INDICATORS_COORDINATOR in output
    import_the_spreadsheet(client, demo, coordinator)
    assert "Extortion: 12 months of figures, imported." in run_seed()


def counts() -> dict:
    models = INDICATOR_MODELS + [model.events.rel.related_model for model in INDICATOR_MODELS]
    return {model.__name__: model.objects.count() for model in models}


def test_running_seed_demo_twice_adds_no_indicator_figures_or_history(demo):
    before = counts()
    assert before["Observation"] == 12 * len(SEEDED_SERIES)
    assert before["Target"] == 1 + len(SEEDED_SERIES)
    output = run_seed()
    assert counts() == before
    assert "Demo table already loaded." in output


def test_the_demo_history_verifies_clean_after_the_import(client, demo, coordinator):
    import_the_spreadsheet(client, demo, coordinator)
    assert verify_history() == []
