"""Reads spanning apps: the accountability dashboard's figures.

Figures are computed for an audience (`Audience`): the table's members, who count
every commitment of the table and every concern its lists show, or everyone else,
who count the public ones (commitments of public sessions, public concerns of a
public table). So everyone of an audience sees the same figures, whatever else
they may read (their own hidden concern, a subcommittee they coordinate). They are
computed at one instant `now`, so that a page and its CSV agree with each other and
with the commitment pages on what is overdue, and kept for FIGURES_SECONDS (the page
says when they were computed): at 100,000 concerns they take seconds to compute.

The number of queries does not depend on the number of institutions,
commitments or concerns: each figure comes from a grouped query with
conditional aggregation, and a government level's figures are added up from
its institutions' except the median, which has its own grouped query.

Definitions (the dashboard page states them too):
- pending: open or in progress; overdue: pending and past its due date in the
  table's time zone; days overdue: from the due date to today, summed and the longest.
- share fulfilled on time: commitments fulfilled (fully) on or before their due
  date (the date of `fulfilled_at` in the table's zone), over the commitments
  that are fulfilled, partly fulfilled or not fulfilled, or whose due date has
  passed; withdrawn ones never count.
- requested and delivered: summed over commitments that count a quantity and say
  how much was requested, withdrawn ones excluded; delivered share = delivered / requested.
- time to first answer: for each concern an institution was asked to answer,
  from the moment it was asked (`ConcernAssignment.assigned_at`) to its own first
  official answer; the median over the concerns it answered, in days.
- rating: the average of the citizens' 1 to 5 ratings of the institution's answers.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.core.cache import cache
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast
from django.utils import timezone

from commitments.models import Commitment, CommitmentStatus
from commitments.querysets import days_between, local_today
from concerns.models import Answer, Concern, ConcernAssignment, Rating
from mesa.models import GovernmentLevel, Institution, Table

SECONDS_PER_DAY = 86_400
FIGURES_SECONDS = 300


class Audience(StrEnum):
    MEMBERS = "members"
    PUBLIC = "public"

    @classmethod
    def of(cls, user, table: Table) -> "Audience":
        from mesa.permissions import has_table_perm

        return cls.MEMBERS if has_table_perm(user, "view_table_content", table) else cls.PUBLIC

    def concerns(self, table: Table):
        """The concerns this audience counts: those the table's lists show it."""
        from django.contrib.auth.models import AnonymousUser

        if self == Audience.MEMBERS:
            return Concern.objects.filter(table=table).listed()
        return Concern.objects.visible_to(AnonymousUser()).filter(table=table)

    def commitments(self, table: Table):
        """Members read every commitment of their table; others those of public sessions."""
        at_table = Commitment.objects.filter(table=table)
        return at_table if self == Audience.MEMBERS else at_table.public()


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`:
    the continuous percentile of a group (0.5: the median, the mean of the two middle
    values when there is an even number). NULLs are left out; an empty group gives NULL."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)


def _days(later, earlier) -> Func:
    """`later - earlier` (two timestamps) in fractional days."""
    return Func(later, earlier, template=f"(EXTRACT(EPOCH FROM (%(expressions)s)) / {SECONDS_PER_DAY}.0)",
                arg_joiner=" - ", output_field=FloatField())


@dataclass
class Figures:
    """The dashboard's figures for one institution or one government level."""

    label: str
    level: str
    institution_id: int | None = None
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CommitmentStatus.values, 0))
    overdue: int = 0
    days_overdue: int = 0
    longest_overdue: int = 0
    on_time: int = 0
    on_time_base: int = 0
    with_quantity: int = 0
    requested: int = 0
    delivered: int = 0
    assigned: int = 0
    answered: int = 0
    answer_median_days: float | None = None
    ratings: int = 0
    rating_average: float | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def pending(self) -> int:
        return sum(self.by_status[status] for status in CommitmentStatus.pending())

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.on_time_base if self.on_time_base else None

    @property
    def delivered_share(self) -> float | None:
        return self.delivered / self.requested if self.requested else None

    @property
    def has_figures(self) -> bool:
        return bool(self.total or self.assigned or self.ratings)

    def add(self, other: "Figures") -> None:
        """Add `other`'s commitment and rating figures to these (not the median: it does not add up)."""
        for status, count in other.by_status.items():
            self.by_status[status] += count
        for name in ("overdue", "days_overdue", "on_time", "on_time_base", "with_quantity", "requested",
                     "delivered", "assigned", "answered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.longest_overdue = max(self.longest_overdue, other.longest_overdue)
        if other.ratings:
            weighted = (self.rating_average or 0) * self.ratings + other.rating_average * other.ratings
            self.ratings += other.ratings
            self.rating_average = weighted / self.ratings


@dataclass
class Dashboard:
    table: Table
    now: datetime
    institutions: list[Figures]
    levels: list[Figures]
    version: str = ""  # the same for the same figures (an audience's, computed at `now`)


def _commitment_figures(table: Table, audience: Audience, now: datetime) -> dict[int, dict]:
    """One row of conditional aggregates per institution (one query)."""
    today = local_today(now)
    overdue = Commitment.objects.overdue_q(now)
    fulfilled_on = Cast(Func(F("table__time_zone"), F("fulfilled_at"), function="timezone"),
                        output_field=DateField())
    judged = Q(status__in=[CommitmentStatus.FULFILLED, CommitmentStatus.PARTLY_FULFILLED,
                           CommitmentStatus.NOT_FULFILLED])
    quantity = ~Q(unit="") & Q(requested__isnull=False) & ~Q(status=CommitmentStatus.WITHDRAWN)
    aggregates = {f"status_{status}": Count("pk", filter=Q(status=status))
                  for status in CommitmentStatus.values}
    aggregates.update(
        overdue=Count("pk", filter=overdue),
        days_overdue=Sum(days_between(today, F("due_on")), filter=overdue, default=0),
        longest_overdue=Max(days_between(today, F("due_on")), filter=overdue, default=0),
        on_time=Count("pk", filter=Q(status=CommitmentStatus.FULFILLED, fulfilled_on__lte=F("due_on"))),
        on_time_base=Count("pk", filter=judged | overdue),
        with_quantity=Count("pk", filter=quantity),
        # Not named like the fields they add up: a filter on `requested` would read the sum.
        requested_total=Sum("requested", filter=quantity, default=0),
        delivered_total=Sum("delivered", filter=quantity, default=0),
    )
    rows = (audience.commitments(table)
            .alias(fulfilled_on=fulfilled_on)
            .values("institution").annotate(**aggregates).order_by())
    return {row.pop("institution"): row for row in rows}


def _answer_times(table: Table, audience: Audience, group_by: str) -> dict:
    """Per `group_by` ("institution" or "institution__level"): concerns assigned, answered and
    the median days from assignment to the institution's own first answer (one query)."""
    first_answer = (Answer.objects.filter(concern=OuterRef("concern"), institution=OuterRef("institution"))
                    .order_by("created_at", "pk").values("created_at")[:1])
    rows = (ConcernAssignment.objects.filter(concern__in=audience.concerns(table), institution__table=table)
            .alias(first_answer_at=Subquery(first_answer))
            .values(group_by)
            .annotate(assigned=Count("pk"),
                      answered=Count("pk", filter=Q(first_answer_at__isnull=False)),
                      median=PercentileCont(_days(F("first_answer_at"), F("assigned_at")), 0.5))
            .order_by())
    return {row[group_by]: row for row in rows}


def _ratings(table: Table, audience: Audience) -> dict[int, dict]:
    """Average rating and count per answering institution (one query)."""
    rows = (Rating.objects.filter(answer__concern__in=audience.concerns(table),
                                  answer__institution__table=table)
            .per_institution())
    return {row["answer__institution"]: row for row in rows}


def _figures_key(table: Table, audience: Audience, now: datetime) -> str:
    # A new day (in the table's zone) changes what is overdue: new figures.
    return f"dashboard:{table.pk}:{audience}:{timezone.localdate(now, table.zone).isoformat()}"


def _grouped_figures(table: Table, audience: Audience, now: datetime) -> dict:
    """The grouped queries' rows, computed at `now` or kept from a recent computation."""
    key = _figures_key(table, audience, now)
    if (kept := cache.get(key)) is not None:
        return kept
    grouped = {
        "computed_at": now,
        "commitments": _commitment_figures(table, audience, now),
        "answers": _answer_times(table, audience, "institution"),
        "answers_by_level": _answer_times(table, audience, "institution__level"),
        "ratings": _ratings(table, audience),
    }
    cache.set(key, grouped, timeout=FIGURES_SECONDS)
    return grouped


def dashboard_figures(*, table: Table, user, now: datetime) -> Dashboard:
    """The figures per institution and per government level of `table` for `user`'s
    audience, as of `now` or of a computation at most FIGURES_SECONDS before (the
    Dashboard's `now` says which). Caller has checked commitments.permissions.can_view_dashboard.

    Institutions are listed by level (federal, state, municipal) and name, when active
    or when they have figures. Queries: the institutions, and when the figures are not
    kept, the commitments, the answer times per institution and per level, and the
    ratings: five, whatever the size of the table."""
    audience = Audience.of(user, table)
    grouped = _grouped_figures(table, audience, now)
    now = grouped["computed_at"]
    commitments, answers, ratings = grouped["commitments"], grouped["answers"], grouped["ratings"]
    answers_by_level = grouped["answers_by_level"]

    institutions = []
    level_order = list(GovernmentLevel.values)
    listed = sorted(Institution.objects.filter(table=table).order_by("name", "pk"),
                    key=lambda institution: level_order.index(institution.level))
    for institution in listed:
        figures = Figures(label=str(institution), level=institution.level, institution_id=institution.pk)
        if row := commitments.get(institution.pk):
            for status in CommitmentStatus.values:
                figures.by_status[status] = row[f"status_{status}"]
            for name in ("overdue", "days_overdue", "longest_overdue", "on_time", "on_time_base",
                         "with_quantity"):
                setattr(figures, name, row[name])
            figures.requested, figures.delivered = row["requested_total"], row["delivered_total"]
        if row := answers.get(institution.pk):
            figures.assigned, figures.answered = row["assigned"], row["answered"]
            figures.answer_median_days = row["median"]
        if row := ratings.get(institution.pk):
            figures.ratings, figures.rating_average = row["ratings"], float(row["average"])
        if institution.is_active or figures.has_figures:
            institutions.append(figures)

    levels = []
    for level, label in GovernmentLevel.choices:
        figures = Figures(label=str(label), level=level)
        for institution in institutions:
            if institution.level == level:
                figures.add(institution)
        if row := answers_by_level.get(level):
            figures.answer_median_days = row["median"]
        levels.append(figures)
    version = f"{table.pk}:{audience}:{now.isoformat()}"
    return Dashboard(table=table, now=now, institutions=institutions, levels=levels, version=version)
