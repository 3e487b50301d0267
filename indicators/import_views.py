"""Import of figures from a spreadsheet, and export of an indicator's series.

    /t/<slug>/indicators/import/                    upload (GET), then the preview (POST)
    /t/<slug>/indicators/import/?indicator=<code>   the same, for one indicator's series (the
                                                    file needs no indicator column)
    /t/<slug>/indicators/import/confirm/            commit the previewed figures: all or none
    /t/<slug>/indicators/<code>/export.csv|.xlsx    the whole series, colonias included

Who may import: the secretariat and the performance-indicators coordinators
(can_define_indicators), or, for one indicator's series, whoever enters its
figures (can_enter_data). Every row is checked against the indicators the
person may enter (enterable_indicator_ids), in the preview and again at the
confirmation, so a preview token made by someone else writes nothing for a
person without the rights. Who may export: anyone who may see the indicator.
"""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from commitments.dashboard_views import csv_response
from indicators import imports, periods, permissions, services
from indicators.import_forms import ImportConfirmForm, ImportUploadForm
from indicators.models import Indicator, Unit
from mesa.models import Table

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render(request, template: str, table: Table, context: dict):
    """Render with the table's zone as the current one, so |date shows local time."""
    with timezone.override(table.zone):
        return render(request, template, {"table": table, **context})


def _import_scope(request, table_slug: str) -> tuple[Table, Indicator | None]:
    """The table and, with ?indicator=<code>, the one indicator imported into.
    404 for anyone who may not see them; 403 for anyone who may not import."""
    user = request.user
    code = (request.GET.get("indicator") or "").strip()
    if code:
        indicator = permissions.get_indicator_for_user(user, table_slug, code)
        permissions.require(permissions.can_enter_data(user, indicator))
        return indicator.table, indicator
    table = get_object_or_404(Table, slug=table_slug)
    if not permissions.can_view_indicators(user, table):
        raise Http404
    permissions.require(permissions.can_define_indicators(user, table))
    return table, None


def _scope_query(indicator: Indicator | None) -> str:
    return f"?indicator={indicator.code}" if indicator else ""


def _upload_page(request, table: Table, indicator: Indicator | None, form: ImportUploadForm,
                 errors: list[str] = ()):
    """The upload form; `errors`: why a confirmation saved nothing."""
    return _render(request, "indicators/import_upload.html", table, {
        "indicator": indicator,
        "form": form,
        "errors": list(errors),
        "action": reverse("indicators:import", kwargs={"table_slug": table.slug}) + _scope_query(indicator),
        "example": _example_rows(indicator),
    })


# Enough days to reach into the next period from the start of one.
_STEP = {periods.Frequency.WEEK: timedelta(days=7), periods.Frequency.QUARTER: timedelta(days=93)}


def _example_rows(indicator: Indicator | None) -> list[dict]:
    """Three lines of a file, as the page shows them (a value with a decimal comma among them)."""
    code = indicator.code if indicator else "extortion"
    frequency = indicator.frequency if indicator else periods.Frequency.MONTH
    starts = [periods.parse(periods.example(frequency), frequency)]
    while len(starts) < 3:
        starts.append(periods.start_of(starts[-1] + _STEP.get(frequency, timedelta(days=32)), frequency))
    return [{"indicator": code, "period": periods.label(start, frequency), "value": value,
             "source": "Fiscalía General del Estado"}
            for start, value in zip(starts, ["42", "38", "40,5"], strict=True)]


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, table_slug: str):
    """The upload form; posted, the preview of every line as understood, with its error."""
    table, indicator = _import_scope(request, table_slug)
    if request.method != "POST":
        return _upload_page(request, table, indicator, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, table, indicator, form)
    try:
        rows = imports.read_table(form.cleaned_data["file"])
        checked = imports.check_rows(table=table, rows=rows, default_indicator=indicator,
                                     enterable_ids=permissions.enterable_indicator_ids(request.user, table))
    except ValidationError as error:
        form.add_error("file", error)
        return _upload_page(request, table, indicator, form)
    confirm = None
    if checked.is_valid:
        confirm = ImportConfirmForm(initial={"token": imports.sign_rows(checked.rows)})
    return _render(request, "indicators/import_preview.html", table, {
        "indicator": indicator,
        "checked": checked,
        "file_name": form.cleaned_data["file"].name,
        "confirm": confirm,
        "confirm_action": reverse("indicators:import-confirm", kwargs={"table_slug": table.slug})
        + _scope_query(indicator),
        # To upload a corrected file from the preview.
        "form": ImportUploadForm(),
        "action": reverse("indicators:import", kwargs={"table_slug": table.slug}) + _scope_query(indicator),
        "example": _example_rows(indicator),
    })


@login_required
@require_POST
def import_confirm(request, table_slug: str):
    """Commit the previewed figures, all or none, and go to what was imported."""
    table, indicator = _import_scope(request, table_slug)
    confirm = ImportConfirmForm(request.POST)
    if not confirm.is_valid():
        return _upload_page(request, table, indicator, ImportUploadForm(),
                            [_("This preview has expired or was altered; upload the file again.")])
    try:
        rows = imports.unsign_rows(confirm.cleaned_data["token"])
    except ValidationError as error:
        return _upload_page(request, table, indicator, ImportUploadForm(), error.messages)
    # The token says what was checked for whoever previewed it: the rights are asked again,
    # of the person confirming, for every row's indicator.
    allowed = permissions.enterable_indicator_ids(request.user, table)
    permissions.require(all(row.indicator_id in allowed for row in rows))
    try:
        saved = services.observations_import(table=table, actor=request.user, rows=rows)
    except ValidationError as error:
        return _upload_page(request, table, indicator, ImportUploadForm(), error.messages)
    messages.success(request, ngettext("%(count)s figure was imported.", "%(count)s figures were imported.",
                                       len(saved)) % {"count": len(saved)})
    codes = {row.code for row in rows}
    if len(codes) == 1:
        return redirect("indicators:detail", table_slug=table.slug, code=codes.pop())
    return redirect("indicators:overview", table_slug=table.slug)


# --- Export -------------------------------------------------------------------------------

EXPORT_COLUMNS = ["indicator", "indicator_name", "unit", "period", "period_start", "colonia", "value",
                  "source", "entered_at", "corrected_at", "correction_note"]


def _number(value):
    """12.00 -> 12, 12.50 -> 12.5: a figure as people write it."""
    return f"{value.normalize():f}"


@require_safe
def export_series(request, table_slug: str, code: str, fmt: str):
    """The indicator's whole series, colonias included, in a file that imports back.

    Stable English column names (the import reads them); the indicator's code, name and unit
    on every row, so the file says what it measures wherever it ends up. Times are the
    table's local time (the CSV writes them with their UTC offset)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    indicator = permissions.get_indicator_for_user(request.user, table_slug, code)
    table = indicator.table
    unit = str(Unit(indicator.unit).label)
    rows = []
    for observation in indicator.observations.order_by("period_start", "colonia"):
        entered = timezone.localtime(observation.entered_at, table.zone)
        corrected = observation.corrected_at and timezone.localtime(observation.corrected_at, table.zone)
        rows.append([indicator.code, indicator.name, unit,
                     periods.label(observation.period_start, indicator.frequency), observation.period_start,
                     observation.colonia, observation.value, observation.source, entered, corrected,
                     observation.correction_note])
    filename = f"{table.slug}-{indicator.code}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, EXPORT_COLUMNS, [_csv_row(row) for row in rows])
    return _xlsx_response(filename, indicator, rows)


def _csv_row(row: list) -> list:
    def text(value):
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.isoformat(timespec="seconds")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return _number(value)
        return value

    return [text(value) for value in row]


def _xlsx_response(filename: str, indicator: Indicator, rows: list[list]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = indicator.code[:31]
    sheet.append(EXPORT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_xlsx_values(row))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                # Stored as text: a source or colonia starting with = never runs as a formula.
                cell.data_type = "s"
        line[4].number_format = "yyyy-mm-dd"
        line[8].number_format = line[9].number_format = "yyyy-mm-dd hh:mm"
    for letter, width in zip("ABCDEFGHIJK", [24, 30, 14, 10, 12, 22, 10, 30, 18, 18, 30], strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_values(row: list) -> list:
    """Spreadsheets keep no time zone: local times are written as they read on a clock there."""
    return [value.replace(tzinfo=None) if isinstance(value, datetime) else value for value in row]
