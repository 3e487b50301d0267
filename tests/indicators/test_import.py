"""Import of figures from a CSV or XLSX file: upload, preview of every line with its error, and
confirm, all or nothing. Only the secretariat and the performance-indicators coordinators
import (or, for one indicator's series, whoever enters its figures); a bad file is rejected
whole, with each row's error, and saves nothing; the preview's token cannot be altered or
used by someone without the rights."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators import imports, services
from indicators.models import Indicator, Observation
from subcommittees.models import Subcommittee
from tests.indicators.factories import indicator, monthly, record

pytestmark = pytest.mark.django_db

HEADER = "indicator,period,value,source\n"
EXPIRED = "This preview has expired or was altered; upload the file again."


# --- Helpers ------------------------------------------------------------------------------


def csv_file(text: str, name: str = "cifras.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "cifras.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def import_url(table, code: str | None = None) -> str:
    url = reverse("indicators:import", kwargs={"table_slug": table.slug})
    return f"{url}?indicator={code}" if code else url


def confirm_url(table, code: str | None = None) -> str:
    url = reverse("indicators:import-confirm", kwargs={"table_slug": table.slug})
    return f"{url}?indicator={code}" if code else url


def signed_in(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def upload(client, table, file, code: str | None = None):
    return client.post(import_url(table, code), {"file": file})


def token_of(preview) -> str:
    assert preview.context["confirm"] is not None, preview.context["checked"].errors
    return preview.context["confirm"].initial["token"]


def errors_by_line(preview) -> dict[int, str]:
    return {error.line: error.message for error in preview.context["checked"].errors}


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def stored() -> tuple[int, int]:
    """Observations and their history rows: what an import must not change when it fails."""
    return Observation.objects.count(), Observation.events.rel.related_model.objects.count()


@pytest.fixture
def justice_indicator(table, secretariat):
    """An indicator owned by the access-to-justice subcommittee."""
    justice = table.subcommittees.get(standing_theme=Subcommittee.Theme.ACCESS_TO_JUSTICE)
    return services.indicator_create(table=table, actor=secretariat, code="complaints-waiting",
                                     name_es="Denuncias en espera", subcommittee=justice)


# --- Who may import ----------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client, table):
    response = client.get(import_url(table))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert client.post(confirm_url(table), {"token": "x"}).status_code == 302


@pytest.mark.parametrize("person", ["citizen", "official", "justice_coordinator", "outsider",
                                    "other_secretariat"])
def test_people_who_do_not_enter_figures_cannot_import(client, table, extortion, person, request):
    user = request.getfixturevalue(person)
    signed_in(client, user)
    before = stored()
    assert client.get(import_url(table)).status_code == 403
    assert upload(client, table, csv_file(HEADER + "extortion,2026-01,40,\n")).status_code == 403
    assert client.get(import_url(table, "extortion")).status_code == 403
    assert stored() == before


def test_a_private_tables_import_is_not_found_by_another_tables_secretariat(client, table, other_secretariat):
    table.is_public = False
    table.save()
    signed_in(client, other_secretariat)
    assert client.get(import_url(table)).status_code == 404
    assert client.get(import_url(table, "extortion")).status_code == 404


def test_an_unknown_indicator_in_the_address_is_not_found(client, table, secretariat):
    assert signed_in(client, secretariat).get(import_url(table, "nothing-like-it")).status_code == 404


@pytest.mark.parametrize("person", ["secretariat", "indicators_coordinator"])
def test_the_secretariat_and_the_indicators_coordinators_get_the_upload_form(client, table, person, request):
    response = signed_in(client, request.getfixturevalue(person)).get(import_url(table))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "What the file must look like" in page
    assert "<code>periodo</code>" in page and "2026-03" in page


def test_the_coordinator_of_another_subcommittee_imports_the_series_of_its_own_indicator(
        client, table, justice_coordinator, justice_indicator):
    signed_in(client, justice_coordinator)
    assert client.get(import_url(table)).status_code == 403
    page = client.get(import_url(table, justice_indicator.code))
    assert page.status_code == 200
    assert "Denuncias en espera" in page.content.decode()
    preview = upload(client, table, csv_file("period,value\n2026-01,7\n2026-02,9\n"), justice_indicator.code)
    response = client.post(confirm_url(table, justice_indicator.code), {"token": token_of(preview)})
    assert response.status_code == 302
    assert response["Location"] == justice_indicator.get_absolute_url()
    assert list(justice_indicator.observations.values_list("value", flat=True)) == [Decimal(7), Decimal(9)]


def test_a_row_of_an_indicator_the_person_does_not_enter_is_an_error(
        client, table, justice_coordinator, justice_indicator):
    signed_in(client, justice_coordinator)
    file = csv_file("indicator,period,value\ncomplaints-waiting,2026-01,7\nextortion,2026-01,40\n")
    preview = upload(client, table, file, justice_indicator.code)
    assert errors_by_line(preview) == {3: "You may not enter figures for “extortion”."}
    assert preview.context["confirm"] is None


# --- The preview token --------------------------------------------------------------------


def test_a_token_made_for_a_coordinator_writes_nothing_for_a_citizen(
        client, table, extortion, indicators_coordinator, citizen):
    preview = upload(signed_in(client, indicators_coordinator), table,
                     csv_file(HEADER + "extortion,2026-01,40,\n"))
    token = token_of(preview)
    before = stored()
    assert signed_in(client, citizen).post(confirm_url(table), {"token": token}).status_code == 403
    assert stored() == before


def test_a_token_for_another_indicator_writes_nothing_for_its_coordinator(
        client, table, extortion, secretariat, justice_coordinator, justice_indicator):
    preview = upload(signed_in(client, secretariat), table, csv_file(HEADER + "extortion,2026-01,40,\n"))
    token = token_of(preview)
    before = stored()
    signed_in(client, justice_coordinator)
    assert client.post(confirm_url(table, justice_indicator.code), {"token": token}).status_code == 403
    assert stored() == before


def test_a_token_of_another_table_writes_nothing(client, table, extortion, secretariat, other_table,
                                                  other_secretariat):
    preview = upload(signed_in(client, secretariat), table, csv_file(HEADER + "extortion,2026-01,40,\n"))
    token = token_of(preview)
    before = stored()
    response = signed_in(client, other_secretariat).post(confirm_url(other_table), {"token": token})
    assert response.status_code == 403
    assert stored() == before


def test_a_tampered_token_is_refused_and_saves_nothing(client, table, extortion, secretariat):
    preview = upload(signed_in(client, secretariat), table, csv_file(HEADER + "extortion,2026-01,40,\n"))
    token = token_of(preview)
    [row] = imports.unsign_rows(token)
    forged = signing.dumps([{**row.__dict__, "period_start": "2026-01-01", "value": "4"}],
                           salt="another salt", compress=True)
    before = stored()
    for bad in (token[:-2] + ("aa" if not token.endswith("aa") else "bb"), forged, "", "not a token"):
        response = client.post(confirm_url(table), {"token": bad})
        assert response.status_code == 200
        assert response.context["errors"] == [EXPIRED]
        assert "Nothing was imported" in response.content.decode()
    assert stored() == before


def test_a_figure_entered_between_preview_and_confirmation_makes_the_whole_import_fail(
        client, table, extortion, secretariat):
    file = csv_file(HEADER + "extortion,2026-01,40,\nextortion,2026-02,38,\n")
    token = token_of(upload(signed_in(client, secretariat), table, file))
    record(extortion, {date(2026, 2, 1): 37})
    before = stored()
    response = client.post(confirm_url(table), {"token": token})
    assert response.status_code == 200
    assert response.context["errors"] == ["Line 3: there is already a figure for this period."]
    assert stored() == before
    assert list(extortion.observations.values_list("value", flat=True)) == [Decimal(37)]


def test_confirming_the_same_preview_twice_saves_the_figures_once(client, table, extortion, secretariat):
    file = csv_file(HEADER + "extortion,2026-01,40,\n")
    token = token_of(upload(signed_in(client, secretariat), table, file))
    assert client.post(confirm_url(table), {"token": token}).status_code == 302
    before = stored()
    assert client.post(confirm_url(table), {"token": token}).status_code == 200
    assert stored() == before


def test_the_confirmation_takes_only_a_post(client, table, secretariat):
    assert signed_in(client, secretariat).get(confirm_url(table)).status_code == 405


# --- A bad file is rejected whole ------------------------------------------------------------


def test_a_file_with_bad_rows_is_rejected_whole_with_each_rows_error(client, table, extortion, secretariat):
    record(extortion, {date(2025, 12, 1): 50})
    file = csv_file(
        HEADER
        + "extortion,2026-01,40,FGE\n"      # line 2: right
        + "robbery,2026-01,12,\n"           # line 3: unknown indicator
        + "extortion,enero,30,\n"           # line 4: bad period
        + "extortion,2026-02,many,\n"       # line 5: not a number
        + "extortion,2026-01,41,\n"         # line 6: the same period as line 2
        + "extortion,2025-12,52,\n"         # line 7: already recorded
        + "extortion,2026-03,-4,\n"         # line 8: negative
    )
    before = stored()
    preview = upload(signed_in(client, secretariat), table, file)
    assert preview.status_code == 200
    assert errors_by_line(preview) == {
        3: "Unknown indicator “robbery”.",
        4: "“enero” is not a period (write it like 2026-03).",
        5: "“many” is not a number.",
        6: "The same period as line 2.",
        7: "There is already a figure for this period.",
        8: "A value cannot be negative.",
    }
    assert preview.context["confirm"] is None
    page = preview.content.decode()
    assert "6 lines of the file have errors" in page
    assert 'role="alert"' in page
    assert '<a href="#line-5">Line 5: “many” is not a number.</a>' in page
    assert 'id="line-5"' in page
    assert "Confirm import" not in page
    assert "Upload the corrected file" in page
    assert stored() == before


def test_the_preview_shows_every_line_as_understood(client, table, extortion, secretariat):
    file = csv_file("indicador;periodo;valor;fuente\nextortion;2026-01-15;12,5;FGE\n")
    preview = upload(signed_in(client, secretariat), table, file)
    [line] = preview.context["checked"].lines
    assert (line["period"], line["value"], line["error"]) == ("2026-01", "12.5", "")
    page = preview.content.decode()
    assert "Confirm import of 1 figure" in page
    assert "The lines of cifras.csv, as they were understood" in page


@pytest.mark.parametrize(("file", "message"), [
    (csv_file(""), "The submitted file is empty."),
    (csv_file("\n \n"), "The file is empty."),
    (SimpleUploadedFile("cifras.csv", b"\x00\x01\x02binary" * 10),
     "Upload a CSV file or an Excel (.xlsx) spreadsheet."),
    (SimpleUploadedFile("cifras.xlsx", b"PK\x03\x04 not really a spreadsheet"),
     "The spreadsheet could not be read."),
    (csv_file("name,amount\nextortion,4\n"),
     "The first row must name the columns; missing: indicator, period, value."),
    (csv_file("indicator,period\nextortion,2026-01\n"),
     "The first row must name the columns; missing: value."),
    (csv_file("a" * (imports.MAX_BYTES + 10)), "The file is too big (at most 2 MB)."),
    (csv_file('indicator,period,value\n"' + "x" * 200_000 + '",2026-01,4\n'),
     "The file could not be read as a table; save it as CSV or XLSX and try again."),
])
def test_a_file_that_cannot_be_read_is_a_form_error(client, table, extortion, secretariat, file, message):
    before = stored()
    response = upload(signed_in(client, secretariat), table, file)
    assert response.status_code == 200
    assert form_errors(response) == [message]
    assert "Check the file" in response.content.decode()
    assert stored() == before


def test_a_file_with_only_its_header_has_nothing_to_import(client, table, secretariat):
    preview = upload(signed_in(client, secretariat), table, csv_file(HEADER))
    assert errors_by_line(preview) == {2: "The file has no figures to import."}
    assert preview.context["confirm"] is None


def test_posting_without_a_file_is_a_form_error(client, table, secretariat):
    response = signed_in(client, secretariat).post(import_url(table), {})
    assert form_errors(response) == ["This field is required."]


def test_a_file_without_an_indicator_column_needs_the_indicator(client, table, secretariat):
    response = upload(signed_in(client, secretariat), table, csv_file("period,value\n2026-01,4\n"))
    assert form_errors(response) == ["The first row must name the columns; missing: indicator."]


# --- Formats --------------------------------------------------------------------------------


def import_file(client, table, user, file, code: str | None = None):
    preview = upload(signed_in(client, user), table, file, code)
    return client.post(confirm_url(table, code), {"token": token_of(preview)})


def values(indicator: Indicator) -> dict:
    return dict(indicator.observations.values_list("period_start", "value"))


def test_a_spreadsheet_imports(client, table, extortion, indicators_coordinator):
    file = xlsx_file([["Indicador", "Periodo", "Valor", "Fuente"],
                      ["extortion", "2026-01", 40, "FGE"],
                      ["extortion", date(2026, 2, 1), 38.5, None],
                      ["extortion", "2026-03", "36,5", "FGE"]])
    response = import_file(client, table, indicators_coordinator, file)
    assert response.status_code == 302
    assert values(extortion) == {date(2026, 1, 1): Decimal("40"), date(2026, 2, 1): Decimal("38.5"),
                                 date(2026, 3, 1): Decimal("36.5")}
    assert messages_of(response) == ["3 figures were imported."]
    assert {o.entered_by for o in extortion.observations.all()} == {indicators_coordinator}


def test_a_csv_separated_by_commas_imports(client, table, extortion, secretariat):
    file = csv_file('indicator,period,value,source\nextortion,2026-01,"1,250",FGE\nextortion,2026-02,12.5,\n')
    import_file(client, table, secretariat, file)
    assert values(extortion) == {date(2026, 1, 1): Decimal("1250"), date(2026, 2, 1): Decimal("12.5")}


def test_a_csv_separated_by_semicolons_with_decimal_commas_imports(client, table, extortion, secretariat):
    file = csv_file("indicador;periodo;valor;fuente\n"
                    "extortion;2026-01;12,5;Fiscalía\nextortion;2026-02;13;\n", encoding="latin-1")
    import_file(client, table, secretariat, file)
    assert values(extortion) == {date(2026, 1, 1): Decimal("12.5"), date(2026, 2, 1): Decimal("13")}
    assert extortion.observations.get(period_start=date(2026, 1, 1)).source == "Fiscalía"


def test_one_indicators_file_imports_without_an_indicator_column(client, table, extortion, secretariat):
    response = import_file(client, table, secretariat, csv_file("periodo,valor\n2026-01,4\n2026-02,5\n"),
                           "extortion")
    assert response["Location"] == extortion.get_absolute_url()
    assert values(extortion) == {date(2026, 1, 1): Decimal(4), date(2026, 2, 1): Decimal(5)}


def test_figures_of_several_indicators_lead_to_the_overview(client, table, extortion, secretariat):
    homicides = indicator(table, "homicides")
    file = csv_file(HEADER + "extortion,2026-01,40,\nhomicides,2026-01,90,\n")
    response = import_file(client, table, secretariat, file)
    assert response["Location"] == reverse("indicators:overview", kwargs={"table_slug": table.slug})
    assert values(homicides) == {date(2026, 1, 1): Decimal(90)}
    assert messages_of(response) == ["2 figures were imported."]


def test_the_history_of_imported_figures_names_who_imported_them(client, table, extortion, secretariat):
    import_file(client, table, secretariat, csv_file(HEADER + "extortion,2026-01,40,\n"))
    [event] = extortion.observations.get().events.all()
    assert event.pgh_context["user"] == secretariat.pk


def test_figures_by_colonia_import_next_to_the_whole_tables(client, table, extortion, secretariat):
    services.indicator_update(indicator=extortion, actor=secretariat, by_colonia=True)
    file = csv_file("indicator,period,colonia,value\nextortion,2026-01,,40\nextortion,2026-01,Centro,12\n")
    import_file(client, table, secretariat, file)
    assert sorted(extortion.observations.values_list("colonia", "value")) == [
        ("", Decimal(40)), ("Centro", Decimal(12))]


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 24])
def test_the_preview_query_count_does_not_grow_with_rows(client, table, extortion, secretariat, n,
                                                        django_assert_max_num_queries):
    record(extortion, monthly(2023, [50] * 12))
    file = csv_file(HEADER + "".join(f"extortion,{2025 - i // 12}-{i % 12 + 1:02d},{i},\n" for i in range(n)))
    signed_in(client, secretariat)
    # session, user, table, the person's permissions (own, groups'), the subcommittees they
    # coordinate, the indicators they enter, the table's indicators, the figures already recorded
    with django_assert_max_num_queries(9):
        response = upload(client, table, file)
    assert response.context["confirm"] is not None
    assert len(response.context["checked"].rows) == n
