"""Import of observations from a CSV or XLSX file: read, check every row, preview,
then commit all rows or none (indicators.services.observations_import).

A file has a header row naming its columns, in English or Spanish:
indicator/indicador (the code; optional when importing from one indicator's
page), period/periodo (2026-03, 2026-W09, 2026-Q1 or a date), value/valor,
and optionally colonia and source/fuente. Between the preview and the commit
the checked rows travel in a signed token, so nothing is stored and nothing
can be slipped in.
"""

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators import periods
from indicators.models import Indicator, Observation
from indicators.services import ImportRow, _check_colonia, _check_started, _check_value

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_SIGNING_SALT = "indicators.import"
_TOKEN_MAX_AGE = 60 * 60

_HEADERS = {
    "indicator": "indicator", "indicador": "indicator", "code": "indicator", "codigo": "indicator",
    "código": "indicator",
    "period": "period", "periodo": "period", "período": "period", "fecha": "period", "date": "period",
    "value": "value", "valor": "value",
    "colonia": "colonia", "neighbourhood": "colonia", "neighborhood": "colonia",
    "source": "source", "fuente": "source",
}


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class CheckedFile:
    rows: list[ImportRow]
    errors: list[RowError]
    # Every line as read, with its checked row or error, for the preview.
    lines: list[dict]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors


def _read_csv(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ValidationError(_("The file could not be read as a table; save it as CSV or XLSX and "
                                "try again.")) from error


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(_("The spreadsheet could not be read.")) from error
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    workbook.close()
    return rows


def read_table(uploaded_file) -> list[list]:
    """The file's rows (header first) from a CSV or XLSX upload, decided by its content."""
    data = uploaded_file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is too big (at most 2 MB)."))
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
    elif b"\x00" in data[:1024]:
        raise ValidationError(_("Upload a CSV file or an Excel (.xlsx) spreadsheet."))
    else:
        rows = _read_csv(data)
    rows = [row for row in rows if any(str(cell or "").strip() for cell in row)]
    if len(rows) > MAX_ROWS + 1:
        raise ValidationError(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    if not rows:
        raise ValidationError(_("The file is empty."))
    return rows


def _columns(header: list) -> dict[str, int]:
    columns = {}
    for index, name in enumerate(header):
        key = _HEADERS.get(str(name or "").strip().lower())
        if key and key not in columns:
            columns[key] = index
    return columns


def _value(raw) -> Decimal:
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        return Decimal(str(raw))
    text = str(raw or "").strip().replace(" ", "")
    if "," in text and "." not in text and text.count(",") == 1 and len(text.split(",")[1]) != 3:
        text = text.replace(",", ".")  # 12,5 written the Spanish way
    text = text.replace(",", "")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def check_rows(*, table, rows: list[list], enterable_ids: set[int],
               default_indicator: Indicator | None = None) -> CheckedFile:
    """Check every row; nothing is written. `enterable_ids` are the indicators the person
    may enter figures for (indicators.permissions.enterable_indicator_ids)."""
    header, body = rows[0], rows[1:]
    columns = _columns(header)
    missing = [name for name in ("period", "value") if name not in columns]
    if "indicator" not in columns and default_indicator is None:
        missing.insert(0, "indicator")
    if missing:
        raise ValidationError(_("The first row must name the columns; missing: %(columns)s.")
                              % {"columns": ", ".join(missing)})
    indicators = {i.code: i for i in Indicator.objects.filter(table=table)}
    for indicator in indicators.values():
        indicator.table = table  # its time zone decides which periods have started
    existing = set(Observation.objects.filter(indicator__table=table)
                   .values_list("indicator_id", "period_start", "colonia"))
    seen: dict[tuple, int] = {}
    checked, errors, lines = [], [], []

    def cell(row, name):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    for line, row in enumerate(body, start=2):
        if "indicator" in columns:
            code = str(cell(row, "indicator") or "").strip()
        else:
            code = default_indicator.code
        raw_period, raw_value = cell(row, "period"), cell(row, "value")
        colonia = " ".join(str(cell(row, "colonia") or "").split())
        source = str(cell(row, "source") or "").strip()[:300]
        shown = {"line": line, "indicator": code, "period": "" if raw_period is None else str(raw_period),
                 "value": "" if raw_value is None else str(raw_value), "colonia": colonia, "source": source}
        problems = []
        indicator = indicators.get(code)
        period_start = value = None
        if indicator is None:
            problems.append(_("Unknown indicator “%(code)s”.") % {"code": code})
        elif indicator.pk not in enterable_ids:
            problems.append(_("You may not enter figures for “%(code)s”.") % {"code": code})
        if indicator is not None:
            try:
                period_start = periods.parse(raw_period, indicator.frequency)
            except ValueError:
                example = periods.example(indicator.frequency)
                problems.append(_("“%(period)s” is not a period (write it like %(example)s).")
                                % {"period": shown["period"], "example": example})
        try:
            value = _value(raw_value)
        except (InvalidOperation, ValueError):
            problems.append(_("“%(value)s” is not a number.") % {"value": shown["value"]})
        if indicator is not None and value is not None:
            try:
                _check_value(indicator.unit, value)
                colonia = _check_colonia(indicator, colonia)
            except ValidationError as error:
                problems.extend(error.messages)
        if indicator is not None and period_start is not None:
            try:
                _check_started(indicator, period_start)
            except ValidationError as error:
                problems.extend(error.messages)
            key = (indicator.pk, period_start, colonia)
            if key in seen:
                problems.append(_("The same period as line %(line)s.") % {"line": seen[key]})
            elif key in existing:
                problems.append(_("There is already a figure for this period."))
            seen.setdefault(key, line)
        if problems:
            message = " ".join(problems)
            errors.append(RowError(line, message))
            lines.append({**shown, "error": message})
        else:
            checked.append(ImportRow(line=line, indicator_id=indicator.pk, code=code,
                                     period_start=period_start, colonia=colonia, value=value, source=source))
            lines.append({**shown, "period": periods.label(period_start, indicator.frequency),
                          "value": str(value), "error": ""})
    if not body:
        errors.append(RowError(2, _("The file has no figures to import.")))
    return CheckedFile(rows=checked, errors=errors, lines=lines)


def sign_rows(rows: list[ImportRow]) -> str:
    payload = [{**asdict(row), "period_start": row.period_start.isoformat(), "value": str(row.value)}
               for row in rows]
    return signing.dumps(payload, salt=_SIGNING_SALT, compress=True)


def unsign_rows(token: str) -> list[ImportRow]:
    """The rows of a preview; ValidationError when the token was altered or is over an hour old."""
    try:
        payload = signing.loads(token, salt=_SIGNING_SALT, max_age=_TOKEN_MAX_AGE)
    except signing.BadSignature as error:
        raise ValidationError(_("This preview has expired or was altered; upload the file again.")) from error
    return [ImportRow(**{**item, "period_start": date.fromisoformat(item["period_start"]),
                         "value": Decimal(item["value"])}) for item in payload]
