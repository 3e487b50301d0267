"""The accountability dashboard: per institution and per government level, what was
committed, what is overdue, what was delivered, and how the institutions answer concerns.

Members see it; so does everyone when the table and its dashboard are open to
non-members (commitments.permissions.can_view_dashboard); anyone else gets a
404. The figures come from commitments.selectors, for the viewer's audience (the
table's members, or the public), at one `now` (kept for a few minutes). Tables sort by
any column on the server (`?sort=overdue`, `?sort=-overdue`), every figure links to the records behind
it, the charts are inline SVG (mesa.charts) beside the same figures as a table,
and the CSV export has the same figures.
"""

import csv
import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from commitments import permissions, selectors
from commitments.models import CommitmentStatus
from commitments.selectors import Figures
from mesa import charts
from mesa import permissions as mesa_permissions
from mesa.models import GovernmentLevel, Table

# --- Presentation of numbers -------------------------------------------------------------


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _decimal(value: float) -> str:
    return charts.default_format(round(value, 1))


def percent(share: float | None) -> str:
    if share is None:
        return "—"
    return _("%(percent)s%%") % {"percent": _decimal(share * 100)}


# Status colours and patterns: told apart by the pattern and the legend too, never by colour alone.
STATUS_SERIES = {
    CommitmentStatus.OPEN: ("#0b5394", "solid"),
    CommitmentStatus.IN_PROGRESS: ("#6a3d9a", "diagonal"),
    CommitmentStatus.FULFILLED: ("#1e6b35", "dots"),
    CommitmentStatus.PARTLY_FULFILLED: ("#8a5a00", "crosshatch"),
    CommitmentStatus.NOT_FULFILLED: ("#a1161b", "backdiagonal"),
    CommitmentStatus.WITHDRAWN: ("#4a5561", "horizontal"),
}


# --- Columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the dashboard's tables: its key in `?sort=`, its heading, the value it
    sorts by, how that value reads, and which records stand behind it."""

    key: str
    label: str
    value: Callable[[Figures], object]
    show: Callable[[Figures], str]
    detail: Callable[[Figures], str] | None = None
    # "commitments" (with extra GET params) or "concerns": where the figure links to.
    records: str = "commitments"
    params: tuple[tuple[str, str], ...] = ()
    numeric: bool = True
    for_institutions_only: bool = False


def _status_column(status: str, label) -> Column:
    return Column(key=status, label=label, value=lambda f: f.by_status[status],
                  show=lambda f: _count(f.by_status[status]), params=(("status", status),))


def _columns(name_label=None) -> list[Column]:
    """Built per request, so that headings are in the request's language."""
    status_labels = dict(CommitmentStatus.choices)
    return [
        Column(key="name", label=name_label or pgettext_lazy("dashboard column", "Name"),
               value=lambda f: f.label.lower(),
               show=lambda f: f.label, records="", numeric=False),
        Column(key="level", label=gettext_lazy("Government level"), numeric=False, records="",
               value=lambda f: list(GovernmentLevel.values).index(f.level),
               show=lambda f: str(GovernmentLevel(f.level).label), for_institutions_only=True),
        Column(key="total", label=gettext_lazy("Commitments"), value=lambda f: f.total,
               show=lambda f: _count(f.total)),
        *[_status_column(status, status_labels[status]) for status in CommitmentStatus.values],
        Column(key="pending", label=gettext_lazy("Pending"), value=lambda f: f.pending,
               show=lambda f: _count(f.pending), params=(("status", "pending"),)),
        Column(key="overdue", label=gettext_lazy("Overdue"), value=lambda f: f.overdue,
               show=lambda f: _count(f.overdue), params=(("overdue", "1"),)),
        Column(key="days_overdue", label=gettext_lazy("Days overdue, in total"),
               value=lambda f: f.days_overdue, show=lambda f: _count(f.days_overdue),
               params=(("overdue", "1"),)),
        Column(key="longest_overdue", label=gettext_lazy("Longest overdue, in days"),
               value=lambda f: f.longest_overdue, show=lambda f: _count(f.longest_overdue),
               params=(("overdue", "1"),)),
        Column(key="on_time", label=gettext_lazy("Fulfilled on time"), value=lambda f: f.on_time_share,
               show=lambda f: percent(f.on_time_share),
               detail=lambda f: _("%(part)s of %(whole)s") % {
                   "part": _count(f.on_time), "whole": _count(f.on_time_base)} if f.on_time_base else "",
               params=(("status", CommitmentStatus.FULFILLED),)),
        Column(key="requested", label=gettext_lazy("Requested"), value=lambda f: f.requested,
               show=lambda f: _count(f.requested)),
        Column(key="delivered", label=gettext_lazy("Delivered"), value=lambda f: f.delivered,
               show=lambda f: _count(f.delivered)),
        Column(key="delivered_share", label=gettext_lazy("Delivered share"),
               value=lambda f: f.delivered_share, show=lambda f: percent(f.delivered_share)),
        Column(key="answer_time", label=gettext_lazy("Median days to a first answer"),
               value=lambda f: f.answer_median_days, records="concerns",
               show=lambda f: "—" if f.answer_median_days is None else _decimal(f.answer_median_days),
               detail=lambda f: _("%(answered)s of %(assigned)s answered") % {
                   "answered": _count(f.answered), "assigned": _count(f.assigned)} if f.assigned else ""),
        Column(key="rating", label=gettext_lazy("Average rating (1 to 5)"), value=lambda f: f.rating_average,
               records="concerns",
               show=lambda f: "—" if f.rating_average is None else _decimal(f.rating_average),
               detail=lambda f: ngettext("%(count)s rating", "%(count)s ratings", f.ratings)
               % {"count": _count(f.ratings)} if f.ratings else ""),
    ]


def _empty(value) -> bool:
    return value is None or value == 0


@dataclass(frozen=True)
class Sort:
    key: str = ""
    descending: bool = False

    @classmethod
    def parse(cls, raw: str | None, columns: Iterable[Column]) -> "Sort":
        """`name` or `-name` for a known column; anything else means the default order."""
        raw = (raw or "").strip()
        key = raw.removeprefix("-")
        if key not in {column.key for column in columns}:
            return cls()
        return cls(key=key, descending=raw.startswith("-"))

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def apply(self, rows: list[Figures], columns: list[Column]) -> list[Figures]:
        """Sorted by the column; rows without a value ("—") always last; ties keep the default order."""
        column = next((column for column in columns if column.key == self.key), None)
        if column is None:  # no sort, or a column this table does not have (levels have no level)
            return rows
        known = [row for row in rows if column.value(row) is not None]
        unknown = [row for row in rows if column.value(row) is None]
        return sorted(known, key=column.value, reverse=self.descending) + unknown


# --- Cells and links ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    detail: str = ""
    href: str = ""
    is_header: bool = False
    numeric: bool = True


def _list_path(name: str, table_slug: str) -> str:
    """A list's address, worked out once (a dashboard links a thousand cells to a few lists)."""
    return _reverse_once(name, table_slug, get_script_prefix())


@functools.lru_cache(maxsize=1024)
def _reverse_once(name: str, table_slug: str, _prefix: str) -> str:
    return reverse(name, kwargs={"table_slug": table_slug})


def _records_url(table: Table, figures: Figures, column: Column) -> str:
    if column.records == "commitments":
        params = [("institution", str(figures.institution_id))] if figures.institution_id else [
            ("level", figures.level)]
        return (_list_path("commitments:list", table.slug)
                + "?" + urlencode(params + list(column.params)))
    if column.records == "concerns" and figures.institution_id:
        # The concern list filters by institution (concerns it is accused in or asked to answer);
        # it has no filter by government level, so level rows link nowhere here.
        return (_list_path("concerns:concern-list", table.slug)
                + "?" + urlencode({"institution": figures.institution_id}))
    return ""


def _cells(table: Table, figures: Figures, columns: list[Column]) -> list[Cell]:
    cells = []
    for column in columns:
        value = column.value(figures)
        href = "" if (not column.numeric or _empty(value)) else _records_url(table, figures, column)
        cells.append(Cell(text=column.show(figures), detail=column.detail(figures) if column.detail else "",
                          href=href, is_header=column.key == "name", numeric=column.numeric))
    return cells


@dataclass(frozen=True)
class Heading:
    column: Column
    href: str
    aria_sort: str
    next_direction: str


def _headings(columns: list[Column], sort: Sort, anchor: str) -> list[Heading]:
    headings = []
    for column in columns:
        if sort.key == column.key:
            aria_sort = "descending" if sort.descending else "ascending"
            descending_next = not sort.descending
        else:
            aria_sort = ""
            # Figures first from the largest (the most overdue first), names from A.
            descending_next = column.numeric
        param = f"-{column.key}" if descending_next else column.key
        directions = {
            (True, True): _("sort from largest to smallest"),
            (True, False): _("sort from smallest to largest"),
            (False, True): _("sort from Z to A"),
            (False, False): _("sort from A to Z"),
        }
        headings.append(Heading(
            column=column, href=f"?{urlencode({'sort': param})}#{anchor}", aria_sort=aria_sort,
            next_direction=directions[(column.numeric, descending_next)],
        ))
    return headings


# --- Charts ------------------------------------------------------------------------------


def _status_chart(chart_id: str, title: str, rows: list[Figures]) -> str:
    labels = dict(CommitmentStatus.choices)
    series = tuple(charts.Series(status, str(labels[status]), colour, pattern)
                   for status, (colour, pattern) in STATUS_SERIES.items())
    chart = charts.Chart(
        id=chart_id, title=title,
        description=_("Horizontal bars split by status; the number after each bar is the total."),
        series=series,
        rows=tuple(charts.Row(row.label, tuple(row.by_status[status] for status in STATUS_SERIES))
                   for row in rows if row.total),
    )
    return charts.stacked_bars(chart)


def _quantity_chart(chart_id: str, title: str, rows: list[Figures]) -> str:
    chart = charts.Chart(
        id=chart_id, title=title,
        description=_("For each, one bar for the quantity requested and one for the quantity "
                      "delivered, with the delivered share."),
        series=(charts.Series("requested", _("Requested"), charts.PALETTE[5], "solid"),
                charts.Series("delivered", _("Delivered"), charts.PALETTE[2], "diagonal")),
        rows=tuple(charts.Row(row.label, (row.requested, row.delivered), ("", percent(row.delivered_share)))
                   for row in rows if row.with_quantity),
    )
    return charts.paired_bars(chart)


# --- Views -------------------------------------------------------------------------------


def get_dashboard_table(user, table_slug: str) -> Table:
    """The table, or 404 for anyone who may not see its dashboard (never a tell-tale 403)."""
    table = get_object_or_404(Table, slug=table_slug)
    if not permissions.can_view_dashboard(user, table):
        raise Http404
    return table


def _section(table: Table, rows: list[Figures], columns: list[Column], sort: Sort, anchor: str) -> dict:
    rows = sort.apply(rows, columns)
    return {
        "anchor": anchor,
        "headings": _headings(columns, sort, anchor),
        "rows": [_cells(table, row, columns) for row in rows],
        "figures": rows,
    }


def _sections(table: Table, data: selectors.Dashboard, sort: Sort, columns: list[Column]) -> str:
    """The figures by institution and by level, charts and tables. They are the same for
    everyone of an audience, so they are rendered once per version of the figures,
    institutions' names, language and order, and kept as long as the figures."""
    names = hashlib.sha256(repr([(row.institution_id, row.label) for row in data.institutions]).encode())
    key = f"dashboard-html:{data.version}:{names.hexdigest()[:16]}:{get_language()}:{sort.param}"
    if (html := cache.get(key)) is not None:
        return html  # a SafeString, as the template engine rendered it
    level_columns = [column for column in _columns(_("Government level")) if not column.for_institutions_only]
    institutions = _section(table, data.institutions, columns, sort, "institutions")
    levels = _section(table, data.levels, level_columns, sort, "levels")
    institutions["status_chart"] = _status_chart(
        "status-institutions", _("Commitments by status, per institution"), institutions["figures"])
    institutions["quantity_chart"] = _quantity_chart(
        "quantities-institutions", _("Requested and delivered, per institution"), institutions["figures"])
    levels["status_chart"] = _status_chart(
        "status-levels", _("Commitments by status, per government level"), levels["figures"])
    levels["quantity_chart"] = _quantity_chart(
        "quantities-levels", _("Requested and delivered, per government level"), levels["figures"])
    html = render_to_string("commitments/dashboard_sections.html", {
        "institutions": institutions,
        "levels": levels,
        "sort": sort,
        "has_institutions_figures": any(row.has_figures for row in data.institutions),
        "has_quantities": any(row.with_quantity for row in data.institutions),
    })
    cache.set(key, html, timeout=selectors.FIGURES_SECONDS)
    return html


@require_safe
def dashboard(request, table_slug: str):
    user = request.user
    table = get_dashboard_table(user, table_slug)
    # One instant for every figure of the page (that of a computation a moment ago, if kept).
    data = selectors.dashboard_figures(table=table, user=user, now=timezone.now())
    columns = _columns(_("Institution"))
    sort = Sort.parse(request.GET.get("sort"), columns)
    with timezone.override(table.zone):
        return render(request, "commitments/dashboard.html", {
            "table": table,
            "table_perms": mesa_permissions.table_permissions(user, table),
            "now": data.now,
            "sort": sort,
            "sections": _sections(table, data, sort, columns),
            "csv_query": urlencode({"sort": sort.param}) if sort.key else "",
        })


# --- CSV ---------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    """UTF-8 with a byte order mark (spreadsheet apps then read accents right), as an attachment."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return response


def _raw(value: float | None, digits: int = 1):
    return "" if value is None else round(value, digits)


def _csv_columns() -> list[tuple[str, Callable[[Figures], object]]]:
    labels = dict(CommitmentStatus.choices)
    return [
        (_("Government level"), lambda f: str(GovernmentLevel(f.level).label)),
        (_("Commitments"), lambda f: f.total),
        *[(str(labels[status]), lambda f, status=status: f.by_status[status])
          for status in CommitmentStatus.values],
        (_("Pending"), lambda f: f.pending),
        (_("Overdue"), lambda f: f.overdue),
        (_("Days overdue, in total"), lambda f: f.days_overdue),
        (_("Longest overdue, in days"), lambda f: f.longest_overdue),
        (_("Fulfilled on time"), lambda f: f.on_time),
        (_("Fulfilled, partly or not fulfilled, or due"), lambda f: f.on_time_base),
        (_("Fulfilled on time (%)"),
         lambda f: _raw(None if f.on_time_share is None else f.on_time_share * 100)),
        (_("Commitments counting a quantity"), lambda f: f.with_quantity),
        (_("Requested"), lambda f: f.requested),
        (_("Delivered"), lambda f: f.delivered),
        (_("Delivered share (%)"),
         lambda f: _raw(None if f.delivered_share is None else f.delivered_share * 100)),
        (_("Concerns asked to answer"), lambda f: f.assigned),
        (_("Concerns answered"), lambda f: f.answered),
        (_("Median days to a first answer"), lambda f: _raw(f.answer_median_days)),
        (_("Ratings"), lambda f: f.ratings),
        (_("Average rating (1 to 5)"), lambda f: _raw(f.rating_average, 2)),
    ]


@require_safe
def dashboard_csv(request, table_slug: str):
    """The dashboard's figures, one row per institution then one per government level."""
    user = request.user
    table = get_dashboard_table(user, table_slug)
    data = selectors.dashboard_figures(table=table, user=user, now=timezone.now())
    columns = _columns()
    sort = Sort.parse(request.GET.get("sort"), columns)
    csv_columns = _csv_columns()
    header = [_("Grouping"), _("Name"), *[label for label, _value in csv_columns]]
    rows = [[_("Institution"), figures.label, *[value(figures) for _label, value in csv_columns]]
            for figures in sort.apply(data.institutions, columns)]
    rows += [[_("Government level"), figures.label, *[value(figures) for _label, value in csv_columns]]
             for figures in sort.apply(data.levels, columns)]
    stamp = timezone.localtime(data.now, table.zone).strftime("%Y-%m-%d")
    return csv_response(f"{table.slug}-dashboard-{stamp}.csv", header, rows)
