"""Export of an indicator's series as CSV (UTF-8 with a byte order mark) or XLSX: for anyone
who may see the indicator; the whole series, colonias included, naming the indicator and its
unit; a file exported imports back into another table."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators import services
from indicators.import_views import EXPORT_COLUMNS
from tests.indicators.factories import indicator, monthly, record
from tests.indicators.test_import import confirm_url, import_url, signed_in, token_of

pytestmark = pytest.mark.django_db


def export_url(table, code: str = "extortion", fmt: str = "csv") -> str:
    return reverse("indicators:export", kwargs={"table_slug": table.slug, "code": code, "fmt": fmt})


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def series(table, secretariat, extortion):
    """Extortion by colonia: the whole table's figure and Centro's, for three months."""
    extortion = services.indicator_update(indicator=extortion, actor=secretariat, by_colonia=True,
                                          source="Fiscalía General del Estado")
    record(extortion, {date(2026, 1, 1): 40, date(2026, 2, 1): 38.5, date(2026, 3, 1): 36})
    record(extortion, {date(2026, 1, 1): 12, date(2026, 2, 1): 10}, colonia="Centro")
    return extortion


# --- Who may export ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anyone_may_export_a_public_tables_series(client, table, series, fmt):
    response = client.get(export_url(table, fmt=fmt))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{table.slug}-extortion.{fmt}"'


def test_a_private_tables_series_is_exported_to_its_members_only(client, table, series, citizen,
                                                                 other_secretariat, outsider):
    table.is_public = False
    table.save()
    for person in (None, other_secretariat, outsider):
        assert signed_in(client, person).get(export_url(table)).status_code == 404
        assert signed_in(client, person).get(export_url(table, fmt="xlsx")).status_code == 404
    assert signed_in(client, citizen).get(export_url(table)).status_code == 200


@pytest.mark.parametrize("fmt", ["pdf", "json", "CSV", "xls", "csv.gz"])
def test_an_unknown_format_is_not_found(client, table, series, fmt):
    assert client.get(export_url(table, fmt=fmt)).status_code == 404


def test_an_unknown_indicator_is_not_found(client, table):
    assert client.get(export_url(table, code="robbery")).status_code == 404


def test_exports_take_no_post(client, table, series, secretariat):
    assert signed_in(client, secretariat).post(export_url(table)).status_code == 405


# --- What the files hold -----------------------------------------------------------------


def test_the_csv_holds_the_whole_series_with_its_colonias(client, table, series):
    client.cookies["django_language"] = "en"
    response = client.get(export_url(table))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header == EXPORT_COLUMNS
    assert [row[3:8] for row in rows] == [
        ["2026-01", "2026-01-01", "", "40", "Fiscalía General del Estado"],
        ["2026-01", "2026-01-01", "Centro", "12", "Fiscalía General del Estado"],
        ["2026-02", "2026-02-01", "", "38.5", "Fiscalía General del Estado"],
        ["2026-02", "2026-02-01", "Centro", "10", "Fiscalía General del Estado"],
        ["2026-03", "2026-03-01", "", "36", "Fiscalía General del Estado"],
    ]
    # Every row names the indicator and its unit.
    assert {tuple(row[:3]) for row in rows} == {("extortion", "Extortion", "Count")}
    entered = datetime.fromisoformat(rows[0][8])
    assert entered.utcoffset() is not None  # the table's local time, with its offset
    assert rows[0][9:] == ["", ""]


def test_the_csv_is_in_the_language_of_the_request(client, table, series):
    client.cookies["django_language"] = "es"
    assert csv_rows(client.get(export_url(table)))[1][:2] == ["extortion", "Extorsión"]
    client.cookies["django_language"] = "en"
    assert csv_rows(client.get(export_url(table)))[1][:3] == ["extortion", "Extortion", "Count"]


def test_the_spreadsheet_holds_the_whole_series_with_its_colonias(client, table, series):
    client.cookies["django_language"] = "en"
    response = client.get(export_url(table, fmt="xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert header == EXPORT_COLUMNS
    assert [(row[3], row[4].date(), row[5], Decimal(str(row[6]))) for row in rows] == [
        ("2026-01", date(2026, 1, 1), None, Decimal("40")),
        ("2026-01", date(2026, 1, 1), "Centro", Decimal("12")),
        ("2026-02", date(2026, 2, 1), None, Decimal("38.5")),
        ("2026-02", date(2026, 2, 1), "Centro", Decimal("10")),
        ("2026-03", date(2026, 3, 1), None, Decimal("36")),
    ]
    assert {tuple(row[:3]) for row in rows} == {("extortion", "Extortion", "Count")}
    assert isinstance(rows[0][8], datetime)


def test_a_corrected_figure_says_when_and_why(client, table, series, secretariat):
    observation = series.observations.get(period_start=date(2026, 3, 1), colonia="")
    services.observation_correct(observation=observation, actor=secretariat, value=Decimal(35),
                                 note="La fiscalía actualizó su reporte.")
    rows = csv_rows(client.get(export_url(table)))
    [corrected] = [row for row in rows if row[3] == "2026-03"]
    assert corrected[6] == "35"
    assert corrected[9] and corrected[10] == "La fiscalía actualizó su reporte."


def test_text_that_a_spreadsheet_would_run_as_a_formula_stays_text(client, table, extortion, secretariat):
    services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2026, 1, 1),
                                value=Decimal(4), source='=HYPERLINK("https://example.org","FGE")')
    [row] = csv_rows(client.get(export_url(table)))[1:]
    assert row[7] == "'=HYPERLINK(\"https://example.org\",\"FGE\")"
    workbook = load_workbook(io.BytesIO(client.get(export_url(table, fmt="xlsx")).content))
    cell = workbook.worksheets[0]["H2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("https://example.org","FGE")'


def test_an_indicator_without_figures_exports_its_header(client, table, extortion):
    assert csv_rows(client.get(export_url(table))) == [EXPORT_COLUMNS]
    assert xlsx_rows(client.get(export_url(table, fmt="xlsx"))) == [EXPORT_COLUMNS]


@pytest.mark.parametrize("months", [1, 12])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_query_count_does_not_grow_with_figures(client, table, extortion, months, fmt,
                                                          django_assert_max_num_queries):
    record(extortion, monthly(2025, list(range(months))))
    # the table's language (middleware), the indicator with its table, its figures
    with django_assert_max_num_queries(3):
        response = client.get(export_url(table, fmt=fmt))
    assert response.status_code == 200


# --- Round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_exported_imports_into_another_table(client, table, series, other_table, other_secretariat,
                                                    fmt):
    exported = client.get(export_url(table, fmt=fmt)).content
    target = indicator(other_table, "extortion")
    services.indicator_update(indicator=target, actor=other_secretariat, by_colonia=True)

    signed_in(client, other_secretariat)
    preview = client.post(import_url(other_table), {"file": SimpleUploadedFile(f"export.{fmt}", exported)})
    response = client.post(confirm_url(other_table), {"token": token_of(preview)})

    assert response.status_code == 302
    assert sorted(target.observations.values_list("period_start", "colonia", "value", "source")) == sorted(
        series.observations.values_list("period_start", "colonia", "value", "source"))
    assert {o.entered_by for o in target.observations.all()} == {other_secretariat}
