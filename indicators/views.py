"""Indicator pages: the overview (small multiples and the citizens' evaluation beside
them), one indicator (its trend, figures, status and history), the justice chain, the
citizens' evaluation over time, and the pages that define indicators and enter figures.

Views are thin, like the commitment pages': find the table or the indicator through
indicators.permissions (404 for anyone who may not see it), ask the rule (403), call
one service, redirect with a message. What the figures say (status, changes, the
justice chain, ratings over time) comes from indicators.figures; the charts are inline
SVG from mesa.charts, always beside a table with the same figures. Pages render in the
table's time zone. People's names are shown to the table's members only.
"""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from concerns.models import Concern, Rating
from indicators import figures, periods, permissions, services
from indicators.forms import CorrectionForm, IndicatorForm, ObservationForm, TargetForm, parse_period
from indicators.models import Indicator, JusticeStage, Observation, Unit
from mesa import charts
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from mesa.history import timeline
from mesa.models import GovernmentLevel, Table

# Months of ratings the overview's evaluation block and the evaluation page show.
OVERVIEW_MONTHS = 3
EVALUATION_MONTHS = 12


def _render(request, template: str, table: Table, context: dict):
    """Render with the table's zone as the current one, so |date shows local time."""
    with timezone.override(table.zone):
        return render(request, template, {"table": table, **context})


def _table_for_viewer(user, table_slug: str) -> Table:
    """The table, or 404 for anyone who may not see its indicators."""
    table = get_object_or_404(Table, slug=table_slug)
    if not permissions.can_view_indicators(user, table):
        raise Http404
    return table


def _indicator_to_enter(request, table_slug: str, code: str) -> Indicator:
    indicator = permissions.get_indicator_for_user(request.user, table_slug, code)
    permissions.require(permissions.can_enter_data(request.user, indicator))
    return indicator


# --- Words and numbers -------------------------------------------------------------------


def figure(value) -> str:
    """A figure in the current language's format (1,200 / 1 200; 2.5 / 2,5), with the decimals
    it has, up to the two that figures are kept with (88.1, 86.06)."""
    if value is None:
        return "—"
    value = Decimal(str(value)).quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return number_format(int(value), force_grouping=True)
    decimals = 1 if (value * 10) == (value * 10).to_integral_value() else 2
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def _signed(value: Decimal) -> str:
    if value > 0:
        return "+" + figure(value)
    if value < 0:
        return "−" + figure(-value)
    return figure(0)


def _percent(value) -> str:
    return _("%(number)s%%") % {"number": figure(value)}


def _signed_percent(value: Decimal) -> str:
    return _("%(number)s%%") % {"number": _signed(value)}


def _unit_label(indicator: Indicator) -> str:
    return str(Unit(indicator.unit).label)


def status_text(summary: figures.Summary) -> str:
    if summary.status == figures.ON_TRACK:
        return _("On track")
    if summary.status == figures.OFF_TRACK:
        return _("Off track")
    if summary.latest is None:
        return _("No figures yet")
    return _("No target yet")


def _verdict(indicator: Indicator, difference: Decimal) -> str:
    if not difference:
        return "same"
    better = difference < 0 if indicator.lower_is_better else difference > 0
    return "better" if better else "worse"


def change_sentence(indicator: Indicator, change: figures.Change | None, *, against: str, label: str) -> str:
    """One whole sentence about a change: against the baseline or a year earlier."""
    if change is None:
        return ""
    values = {"difference": _signed(change.difference), "previous": figure(change.previous), "period": label,
              "percent": _signed_percent(change.percent) if change.percent is not None else ""}
    verdict = _verdict(indicator, change.difference)
    if against == "baseline":
        if verdict == "same":
            return _("The same as the baseline (%(previous)s in %(period)s).") % values
        if change.percent is None:
            sentence = _("%(difference)s against the baseline (%(previous)s in %(period)s).")
        else:
            sentence = _("%(difference)s (%(percent)s) against the baseline (%(previous)s in %(period)s).")
    else:
        if verdict == "same":
            return _("The same as a year earlier (%(previous)s in %(period)s).") % values
        if change.percent is None:
            sentence = _("%(difference)s against a year earlier (%(previous)s in %(period)s).")
        else:
            sentence = _("%(difference)s (%(percent)s) against a year earlier (%(previous)s in %(period)s).")
    ending = _("An improvement.") if verdict == "better" else _("A worsening.")
    return f"{sentence % values} {ending}"


def _summary_view(summary: figures.Summary) -> dict:
    """What the pages write about one indicator's figures."""
    indicator = summary.indicator
    frequency = indicator.frequency
    year_earlier = ""
    if summary.latest is not None:
        year_earlier = periods.label(periods.year_earlier(summary.latest[0], frequency), frequency)
    baseline_label = periods.label(indicator.baseline_period, frequency) if indicator.baseline_period else ""
    return {
        "summary": summary,
        "indicator": indicator,
        "status": summary.status or "",
        "status_text": status_text(summary),
        "latest_value": figure(summary.latest[1]) if summary.latest else "",
        "latest_label": summary.latest_label,
        "expected": figure(summary.expected) if summary.expected is not None else "",
        "target_value": figure(summary.target.value) if summary.target else "",
        "target_date": summary.target.due_on if summary.target else None,
        # The expected figure lies on the path from the baseline to the target (else it is the target).
        "on_path": bool(summary.target and indicator.baseline_period
                        and indicator.baseline_period < summary.target.due_on),
        "baseline_value": figure(indicator.baseline_value) if indicator.baseline_value is not None else "",
        "baseline_label": baseline_label,
        "against_baseline": change_sentence(indicator, summary.against_baseline, against="baseline",
                                            label=baseline_label),
        "against_year_earlier": change_sentence(indicator, summary.against_year_earlier, against="year",
                                                label=year_earlier),
        "unit": _unit_label(indicator),
    }


# --- Charts ------------------------------------------------------------------------------


def trend_chart(summary: figures.Summary, *, small: bool = False):
    """The indicator's figures as a line (one point per period of the whole area), its
    targets as points joined by a dashed line (each at its date), and its baseline as a
    dashed horizontal line. Positions are day numbers, so time runs evenly along x."""
    indicator = summary.indicator
    frequency = indicator.frequency
    rows: dict[int, list] = {}
    for start, value in summary.points:
        rows[start.toordinal()] = [periods.label(start, frequency), float(value), None]
    for target in summary.targets:
        day = target.due_on.toordinal()
        if day in rows:
            rows[day][2] = float(target.value)
        else:
            rows[day] = [target.due_on.isoformat(), None, float(target.value)]
    ordered = sorted(rows.items())
    references = []
    if indicator.baseline_value is not None:
        references.append(charts.Reference(
            _("Baseline (%(period)s)") % {"period": periods.label(indicator.baseline_period, frequency)},
            float(indicator.baseline_value)))
    better = _("lower is better") if indicator.lower_is_better else _("higher is better")
    chart = charts.Chart(
        id=f"{'spark' if small else 'trend'}-{indicator.code}",
        title=_("%(name)s: figures per period") % {"name": indicator.name},
        description=_("%(name)s (unit: %(unit)s; %(better)s).") % {
            "name": indicator.name, "unit": _unit_label(indicator).lower(), "better": better},
        series=(charts.Series("figure", indicator.name, charts.PALETTE[0]),
                charts.Series("target", _("Target"), charts.PALETTE[2])),
        rows=tuple(charts.Row(label, (value, target)) for _day, (label, value, target) in ordered),
    )
    positions = [day for day, _row in ordered]
    if small:
        return charts.sparkline(chart, positions=positions, references=references, value_format=figure)
    return charts.line_chart(chart, positions=positions, references=references, value_format=figure,
                             y_label=_unit_label(indicator), x_label=_("Period"))


def funnel_chart(period_label: str, steps) -> str:
    rows = []
    for step in steps:
        note = ""
        if step.share_of_previous is not None:
            note = _("%(share)s reached this step; %(lost)s lost") % {
                "share": _percent(step.share_of_previous), "lost": figure(step.lost)}
        rows.append(charts.Row(step.label, (None if step.value is None else float(step.value),), (note,)))
    chart = charts.Chart(
        id="justice-chain",
        title=_("The justice chain in %(period)s") % {"period": period_label},
        description=_("Each step's cases, from arrests to convictions; where the bars narrow, cases are "
                      "lost."),
        series=(charts.Series("cases", _("Cases"), charts.PALETTE[1]),),
        rows=tuple(rows),
    )
    return charts.funnel(chart, value_format=figure)


def _rating_chart(institution_id: int, institution: str, months: list, cells: dict):
    chart = charts.Chart(
        id=f"rating-{institution_id}",
        title=_("Average rating of the answers of %(institution)s") % {"institution": institution},
        description=_("Average rating from 1 (very bad) to 5 (very good) per month."),
        series=(charts.Series("average", _("Average rating"), charts.PALETTE[0]),),
        rows=tuple(charts.Row(periods.label(month, periods.Frequency.MONTH),
                              (float(cells[month]["average"]) if month in cells else None,))
                   for month in months),
    )
    return charts.line_chart(chart, y_label=_("Average rating (1 to 5)"), value_format=figure)


# --- Citizens' evaluation ----------------------------------------------------------------


def visible_ratings(user, table: Table):
    """Ratings of answers to the table's concerns that `user` may read (the concerns' rule)."""
    return Rating.objects.filter(answer__concern__in=Concern.objects.visible_to(user).filter(table=table))


def _latest_months(rows: list[dict], count: int) -> list:
    return sorted({row["month"] for row in rows if row["month"]})[-count:]


def _by_institution(rows: list[dict], months: list) -> list[dict]:
    """One entry per institution (in the rows' order: level, name) with its cells per month."""
    institutions: dict[int, dict] = {}
    for row in rows:
        entry = institutions.setdefault(row["institution_id"], {
            "institution_id": row["institution_id"], "institution": row["institution"],
            "level": GovernmentLevel(row["level"]).label, "cells": {}})
        if row["month"] in months:
            entry["cells"][row["month"]] = row
    for entry in institutions.values():
        entry["row"] = [entry["cells"].get(month) for month in months]
        entry["latest"] = next((cell for cell in reversed(entry["row"]) if cell), None)
    return [entry for entry in institutions.values() if entry["latest"]]


def _by_level(ratings, table: Table, months: list) -> list[dict]:
    """Average rating per government level and month (one query): the same ratings, grouped."""
    if not months:
        return []
    rows = (ratings.filter(answer__concern__table=table)
            .annotate(month=TruncMonth("created_at", tzinfo=table.zone))
            .filter(month__gte=_as_month_start(months[0], table))
            .values("answer__institution__level", "month")
            .annotate(average=Avg("score"), count=Count("pk"))
            .order_by("answer__institution__level", "month"))
    cells: dict[str, dict] = defaultdict(dict)
    for row in rows:
        cells[row["answer__institution__level"]][row["month"].date()] = {
            "average": Decimal(str(row["average"])).quantize(Decimal("0.01")), "count": row["count"]}
    return [{"level": label, "row": [cells[level].get(month) for month in months]}
            for level, label in GovernmentLevel.choices if level in cells]


def _as_month_start(month: date, table: Table) -> datetime:
    return datetime.combine(month, time.min, tzinfo=table.zone)


# --- The overview ------------------------------------------------------------------------


@require_safe
def overview(request, table_slug: str):
    """All the table's indicators in use as small multiples, beside the citizens' evaluation.
    Queries do not grow with the number of indicators: the indicators, their figures and
    targets (indicators.figures.summaries: two), and the ratings (one)."""
    user = request.user
    table = _table_for_viewer(user, table_slug)
    indicators = list(Indicator.objects.visible_to(user).active().filter(table=table))
    for indicator in indicators:
        indicator.table = table  # for get_absolute_url, without a query each
    found = figures.summaries(indicators)
    cards = []
    for indicator in indicators:
        card = _summary_view(found[indicator.pk])
        card["chart"] = trend_chart(found[indicator.pk], small=True)
        cards.append(card)
    rating_rows = figures.ratings_over_time(table, visible_ratings(user, table))
    months = _latest_months(rating_rows, OVERVIEW_MONTHS)
    can_define = permissions.can_define_indicators(user, table)
    return _render(request, "indicators/overview.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "cards": cards,
        "ratings": _by_institution(rating_rows, months),
        "rating_months": months,
        "has_justice_chain": any(i.justice_stage for i in indicators),
        "can_define": can_define,
    })


# --- One indicator -----------------------------------------------------------------------


def _corrections(indicator: Indicator, observations: dict[int, Observation]) -> list[dict]:
    """Each corrected figure with every value it had, oldest first (one query)."""
    event_model = Observation.events.rel.related_model
    events = defaultdict(list)
    for event in (event_model.objects.filter(pgh_obj__indicator=indicator,
                                             pgh_obj__corrected_at__isnull=False)
                  .order_by("pgh_obj_id", "pgh_id")):
        events[event.pgh_obj_id].append(event)
    corrected = []
    for observation_id, its_events in events.items():
        versions = []
        for entry in timeline(its_events, fields=["value", "source", "correction_note"]):
            if entry.kind == "changed" and not entry.changes:
                continue
            versions.append({"when": entry.event.pgh_created_at, "value": entry.event.value,
                             "source": entry.event.source, "note": entry.event.correction_note,
                             "user_id": entry.event.entered_by_id, "first": entry.kind == "created"})
        corrected.append({"observation": observations.get(observation_id), "versions": versions})
    corrected.sort(key=lambda item: (item["observation"].period_start, item["observation"].colonia)
                   if item["observation"] else (None, ""))
    return corrected


@require_safe
def indicator_detail(request, table_slug: str, code: str):
    """The trend chart beside its data table, the status and changes in words, the definition,
    the colonias of the latest period, and the history of corrections. Queries do not grow
    with the number of figures: the figures, the targets, the corrections' history and the
    names (members only), one each."""
    user = request.user
    indicator = permissions.get_indicator_for_user(user, table_slug, code)
    table = indicator.table
    table_perms = mesa_permissions.table_permissions(user, table)
    show_names = table_perms.is_member
    observations = list(indicator.observations.order_by("period_start", "colonia"))
    targets = list(indicator.targets.order_by("due_on"))
    series = [o for o in observations if not o.colonia]
    summary = figures.summarise(indicator, [(o.period_start, o.value) for o in series], targets)
    corrections = _corrections(indicator, {o.pk: o for o in observations})

    names: dict[int, str] = {}
    if show_names:
        people = {o.entered_by_id for o in observations} | {t.set_by_id for t in targets}
        people |= {v["user_id"] for item in corrections for v in item["versions"]}
        names = dict(User.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "display_name"))
    frequency = indicator.frequency
    for observation in observations:
        observation.label = periods.label(observation.period_start, frequency)
        observation.shown = figure(observation.value)
        observation.who = names.get(observation.entered_by_id)
    for item in corrections:
        for version in item["versions"]:
            version["who"] = names.get(version["user_id"])
            version["shown"] = figure(version["value"])
    for target in targets:
        target.shown = figure(target.value)
        target.who = names.get(target.set_by_id)
    indicator.subcommittee.table = table  # for its link, without a query

    colonias, colonias_label = [], ""
    by_colonia = [o for o in observations if o.colonia]
    if by_colonia:
        latest = max(o.period_start for o in by_colonia)
        colonias = sorted((o for o in by_colonia if o.period_start == latest),
                          key=lambda o: o.colonia.lower())
        colonias_label = periods.label(latest, frequency)

    can_enter = permissions.can_enter_data(user, indicator)
    return _render(request, "indicators/indicator_detail.html", table, {
        "table_perms": table_perms,
        "indicator": indicator,
        "figures": _summary_view(summary),
        "chart": trend_chart(summary),
        "series": series,
        "targets": targets,
        "colonias": colonias,
        "colonias_label": colonias_label,
        "corrections": corrections,
        "show_names": show_names,
        "can_enter": can_enter,
        "frequency_label": periods.Frequency(frequency).label,
        "justice_stage_label": JusticeStage(indicator.justice_stage).label if indicator.justice_stage else "",
    })


# --- Defining indicators -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request, table_slug: str):
    user = request.user
    table = _table_for_viewer(user, table_slug)
    permissions.require(permissions.can_define_indicators(user, table))
    posted = request.method == "POST"
    form = IndicatorForm(request.POST if posted else None, table=table)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            indicator = services.indicator_create(
                table=table, actor=user, code=data["code"], name_es=data["name_es"],
                name_en=data["name_en"], unit=data["unit"], direction=data["direction"],
                frequency=data["frequency"], source=data["source"], methodology=data["methodology"],
                subcommittee=data["subcommittee"], by_colonia=data["by_colonia"],
                justice_stage=data["justice_stage"], baseline_value=data["baseline_value"],
                baseline_period=data["baseline_period"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The indicator %(name)s was added.") % {"name": indicator.name})
            return redirect(indicator)
    return _render(request, "indicators/indicator_form.html", table, {"form": form, "indicator": None})


EDITABLE = ("name_es", "name_en", "unit", "direction", "frequency", "source", "methodology", "subcommittee",
            "by_colonia", "baseline_value", "baseline_period", "is_active")


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, table_slug: str, code: str):
    indicator = _indicator_to_enter(request, table_slug, code)
    posted = request.method == "POST"
    form = IndicatorForm(request.POST if posted else None, table=indicator.table, indicator=indicator)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.indicator_update(
                indicator=indicator, actor=request.user,
                **{name: data[name] for name in EDITABLE},
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The indicator was saved. Its history keeps what it said before."))
            return redirect(indicator)
    return _render(request, "indicators/indicator_form.html", indicator.table,
                   {"form": form, "indicator": indicator})


@login_required
@require_http_methods(["GET", "POST"])
def target_set(request, table_slug: str, code: str):
    indicator = _indicator_to_enter(request, table_slug, code)
    posted = request.method == "POST"
    form = TargetForm(request.POST if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_set(indicator=indicator, actor=request.user, value=data["value"],
                                due_on=data["due_on"], note=data["note"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The target for %(date)s was set.")
                             % {"date": data["due_on"].isoformat()})
            return redirect(indicator)
    return _render(request, "indicators/target_form.html", indicator.table, {
        "indicator": indicator,
        "form": form,
        "targets": list(indicator.targets.order_by("due_on")),
    })


# --- Entering figures --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def observation_create(request, table_slug: str, code: str):
    indicator = _indicator_to_enter(request, table_slug, code)
    posted = request.method == "POST"
    form = ObservationForm(request.POST if posted else None, indicator=indicator)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            observation = services.observation_record(
                indicator=indicator, actor=request.user, period_start=data["period_start"],
                value=data["value"], colonia=data.get("colonia", ""), source=data["source"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The figure for %(period)s was recorded.") % {
                "period": periods.label(observation.period_start, indicator.frequency)})
            return redirect(indicator)
    return _render(request, "indicators/observation_form.html", indicator.table, {
        "indicator": indicator,
        "form": form,
        "observation": None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def observation_correct(request, table_slug: str, code: str, pk: int):
    indicator = _indicator_to_enter(request, table_slug, code)
    observation = get_object_or_404(Observation, pk=pk, indicator=indicator)
    posted = request.method == "POST"
    form = CorrectionForm(request.POST if posted else None,
                          initial={"value": observation.value, "source": observation.source})
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.observation_correct(observation=observation, actor=request.user, value=data["value"],
                                         note=data["note"], source=data["source"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The figure was corrected. Its history keeps the earlier figure."))
            return redirect(indicator)
    observation.label = periods.label(observation.period_start, indicator.frequency)
    return _render(request, "indicators/observation_form.html", indicator.table, {
        "indicator": indicator,
        "form": form,
        "observation": observation,
    })


# --- The justice chain -------------------------------------------------------------------


@require_safe
def justice_chain(request, table_slug: str):
    """Arrests -> cases handed to prosecutors -> charges brought -> convictions, for one
    period (?period=2026-03; the latest by default): where cases are lost."""
    user = request.user
    table = _table_for_viewer(user, table_slug)
    _period, _steps, available = figures.justice_chain(table)
    stage_indicators = [step.indicator for step in _steps if step.indicator]
    frequency = stage_indicators[0].frequency if stage_indicators else periods.Frequency.MONTH
    wanted, unknown_period = None, False
    text = (request.GET.get("period") or "").strip()
    if text:
        try:
            wanted = parse_period(text, frequency)
        except ValidationError:
            unknown_period = True
        else:
            unknown_period = wanted not in available
    if wanted is not None and not unknown_period:
        period, steps, available = figures.justice_chain(table, wanted)
    else:
        period, steps = _period, _steps
    for step in steps:
        if step.indicator:
            step.indicator.table = table
    period_label = periods.label(period, frequency) if period else ""
    first, last = steps[0].value, steps[-1].value
    overall = None
    if first and last is not None:
        overall = {"first": figure(first), "last": figure(last),
                   "percent": _percent((last * 100 / first).quantize(Decimal("0.1")))}
    losses = [step for step in steps if step.lost is not None and step.lost > 0]
    worst = max(losses, key=lambda step: step.lost, default=None)
    worst_before = steps[steps.index(worst) - 1] if worst else None
    return _render(request, "indicators/justice_chain.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "period": period,
        "period_label": period_label,
        "steps": [{"step": step, "value": figure(step.value),
                   "share": _percent(step.share_of_previous) if step.share_of_previous is not None else "",
                   "lost": figure(step.lost) if step.lost is not None else ""} for step in steps],
        "chart": funnel_chart(period_label, steps) if period else "",
        "available": [(periods.label(start, frequency), start == period) for start in available],
        "unknown_period": text if unknown_period else "",
        "overall": overall,
        "worst": ({"from": worst_before.label, "to": worst.label, "lost": figure(worst.lost)}
                  if worst else None),
        "missing": [step for step in steps if step.indicator is None],
    })


# --- Citizens' evaluation ----------------------------------------------------------------


@require_safe
def evaluation(request, table_slug: str):
    """The average rating citizens gave the authorities' answers, per institution and per
    government level, month by month (the latest EVALUATION_MONTHS with ratings), over the
    ratings of the concerns the viewer may read. Two queries, whatever the number of
    institutions or months."""
    user = request.user
    table = _table_for_viewer(user, table_slug)
    ratings = visible_ratings(user, table)
    rows = figures.ratings_over_time(table, ratings)
    months = _latest_months(rows, EVALUATION_MONTHS)
    institutions = _by_institution(rows, months)
    for entry in institutions:
        entry["chart"] = (_rating_chart(entry["institution_id"], entry["institution"], months, entry["cells"])
                          if len(months) > 1 else "")
    return _render(request, "indicators/evaluation.html", table, {
        "table_perms": mesa_permissions.table_permissions(user, table),
        "months": months,
        "institutions": institutions,
        "levels": _by_level(ratings, table, months),
    })
