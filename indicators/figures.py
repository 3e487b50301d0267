"""What the indicator pages say about the figures: the series, the status against
the target, the change against the baseline and against a year earlier, the
justice chain, and the citizens' rating of the answers over time.

Definitions (the pages state them in words):

- The series is the whole table's figure per period (observations without a
  colonia); the latest figure is its last period.
- The target in force is the first target dated on or after the latest period,
  else the last one.
- Status: with a baseline dated before that target, the expected figure is on
  the straight line from the baseline (at its period) to the target (at its
  date), at the latest period; on track when the latest figure is at least as
  good as expected (at or below it when lower is better, at or above when
  higher is better). Without a baseline, on track when the latest figure is at
  least as good as the target. No status without a target or a figure.
- Change against the baseline and against the same period a year earlier:
  the difference, and the percentage of the earlier figure (none when it is 0).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth

from indicators import periods
from indicators.models import Indicator, JusticeStage, Observation, Target

ON_TRACK, OFF_TRACK = "on_track", "off_track"


@dataclass
class Change:
    previous: Decimal
    difference: Decimal
    percent: Decimal | None  # of `previous`, rounded to one decimal


def _change(current: Decimal, previous: Decimal | None) -> Change | None:
    if previous is None:
        return None
    difference = current - previous
    percent = None
    if previous:
        percent = (difference * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Change(previous=previous, difference=difference, percent=percent)


@dataclass
class Summary:
    indicator: Indicator
    points: list[tuple[date, Decimal]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    latest: tuple[date, Decimal] | None = None
    target: Target | None = None
    expected: Decimal | None = None
    status: str | None = None
    against_baseline: Change | None = None
    against_year_earlier: Change | None = None

    @property
    def latest_label(self) -> str:
        return periods.label(self.latest[0], self.indicator.frequency) if self.latest else ""

    @property
    def is_on_track(self) -> bool | None:
        return None if self.status is None else self.status == ON_TRACK


def _better_or_equal(indicator: Indicator, value: Decimal, reference: Decimal) -> bool:
    return value <= reference if indicator.lower_is_better else value >= reference


def summarise(indicator: Indicator, points: list[tuple[date, Decimal]], targets: list[Target]) -> Summary:
    """The figures of one indicator from its whole-table series and its targets (no queries)."""
    points = sorted(points)
    targets = sorted(targets, key=lambda t: t.due_on)
    summary = Summary(indicator=indicator, points=points, targets=targets)
    if not points:
        return summary
    latest_period, latest_value = summary.latest = points[-1]
    by_period = dict(points)
    if indicator.baseline_value is not None:
        summary.against_baseline = _change(latest_value, indicator.baseline_value)
    summary.against_year_earlier = _change(
        latest_value, by_period.get(periods.year_earlier(latest_period, indicator.frequency)))
    if not targets:
        return summary
    target = next((t for t in targets if t.due_on >= latest_period), targets[-1])
    summary.target = target
    baseline_period = indicator.baseline_period
    if indicator.baseline_value is not None and baseline_period < target.due_on:
        span = (target.due_on - baseline_period).days
        elapsed = min(max((latest_period - baseline_period).days, 0), span)
        expected = indicator.baseline_value + (target.value - indicator.baseline_value) * elapsed / span
        summary.expected = expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        summary.expected = target.value
    summary.status = ON_TRACK if _better_or_equal(indicator, latest_value, summary.expected) else OFF_TRACK
    return summary


def summaries(indicators: list[Indicator]) -> dict[int, Summary]:
    """Summaries of many indicators in two queries, whatever their number."""
    ids = [i.pk for i in indicators]
    points = defaultdict(list)
    for indicator_id, period_start, value in (Observation.objects.whole_table().filter(indicator__in=ids)
                                              .values_list("indicator_id", "period_start", "value")):
        points[indicator_id].append((period_start, value))
    targets = defaultdict(list)
    for target in Target.objects.filter(indicator__in=ids):
        targets[target.indicator_id].append(target)
    return {i.pk: summarise(i, points[i.pk], targets[i.pk]) for i in indicators}


@dataclass
class ChainStep:
    stage: str
    label: str
    indicator: Indicator | None
    value: Decimal | None
    # Share of the step before that reached this one, and the cases lost on the way.
    share_of_previous: Decimal | None = None
    lost: Decimal | None = None


def justice_chain(table, period_start: date | None = None) -> tuple[date | None, list[ChainStep], list[date]]:
    """The justice chain for one period (default: the latest period with any of its figures):
    arrests -> cases handed to prosecutors -> charges brought -> convictions.
    Returns the period, its steps, and every period with figures (newest first)."""
    stages = {i.justice_stage: i for i in Indicator.objects.filter(table=table).exclude(justice_stage="")}
    values = defaultdict(dict)
    for indicator_id, start, value in (Observation.objects.whole_table()
                                       .filter(indicator__in=[i.pk for i in stages.values()])
                                       .values_list("indicator_id", "period_start", "value")):
        values[start][indicator_id] = value
    available = sorted(values, reverse=True)
    if period_start is None and available:
        period_start = available[0]
    steps, previous = [], None
    for stage in JusticeStage:
        indicator = stages.get(stage.value)
        value = values.get(period_start, {}).get(indicator.pk) if indicator else None
        step = ChainStep(stage=stage.value, label=str(stage.label), indicator=indicator, value=value)
        if value is not None and previous:
            step.share_of_previous = (value * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            step.lost = previous - value
        steps.append(step)
        previous = value
    return period_start, steps, available


def ratings_over_time(table, ratings_queryset) -> list[dict]:
    """Average citizen rating of official answers per institution and month (one query).

    `ratings_queryset` is the concerns' Rating queryset already narrowed to what the
    viewer may see; rows: institution id, name, level, month, average, count."""
    rows = (ratings_queryset.filter(answer__concern__table=table)
            .annotate(month=TruncMonth("created_at", tzinfo=table.zone))
            .values("answer__institution", "answer__institution__name", "answer__institution__level", "month")
            .annotate(average=Avg("score"), count=Count("pk"))
            .order_by("answer__institution__level", "answer__institution__name", "month"))
    return [{"institution_id": r["answer__institution"], "institution": r["answer__institution__name"],
             "level": r["answer__institution__level"], "month": r["month"].date() if r["month"] else None,
             "average": Decimal(str(r["average"])).quantize(Decimal("0.01")), "count": r["count"]}
            for r in rows]
