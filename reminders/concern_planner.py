"""Planning a concern's reminders while it waits for an official answer.

Called by concerns.services inside their transaction (accepting a concern, changing
its status, asking institutions to answer, answering, re-routing, marking it a
duplicate, hiding and showing it, reopening it), and by the dispatcher after one is
sent, so the reminders exist exactly when their cause does.

- A concern waits for an official answer while it is accepted or in progress, has
  no official answer yet (`first_answer_at`), and is neither hidden nor a duplicate.
  ("Answered" set by a coordinator without an official answer, rejected, closed and
  resolved concerns do not wait.)
- The first reminder: N working days (the table's `unanswered_working_days`, default
  10) after the day it was accepted on the table's clock, at 09:00 that day. Working
  days are Monday to Friday except the public holidays of the table's country (the
  `holidays` package: Mexican holidays do not count at a Mexican table). Then every
  7 days at 09:00 while it still waits; only the next occurrence is planned
  ("unanswered-1", "unanswered-2" ... counted per concern), the one after it when it
  is sent. After a downtime, the next one is the first moment still ahead: one
  reminder goes out late, never a burst.
- To the active, verified officials of the institutions asked to answer and to the
  coordinators of the concern's subcommittee who are active members of the table,
  and only those of them who may read the concern (ConcernQuerySet.visible_to). One
  row per recipient. A reminder names the concern's title, never anything of its
  reporter.
- Keys are deterministic and unique: planning again adds nothing. Re-planning moves
  rows still planned; rows sent stay as they are; rows cancelled or skipped (never
  sent) are planned again when their new moment is still ahead. A concern that stops
  waiting has its planned rows cancelled, as does a person who no longer receives them.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.db.models import IntegerField, Q, Value
from django.utils import timezone

from reminders.commitment_planner import next_weekly_moment
from reminders.models import DEFAULT_UNANSWERED_WORKING_DAYS, Kind, Reminder, ReminderSchedule, State
from reminders.planner import USED, place

UNANSWERED = "unanswered-"
EVERY_DAYS = 7
_WEEKEND = (5, 6)  # Saturday, Sunday


@lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of `country` (ISO code) in `year`; none for a code the
    `holidays` package does not know (then only weekends are days off)."""
    try:
        return frozenset(holidays.country_holidays(country.upper(), years=year))
    except NotImplementedError:
        return frozenset()


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() not in _WEEKEND and day not in public_holidays(country, day.year)


def working_days_after(start: date, n: int, country: str) -> date:
    """The date `n` working days after `start` (`start` itself does not count)."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, country):
            counted += 1
    return day


def working_days_between(start: date, end: date, country: str) -> int:
    """How many working days after `start` up to and including `end`."""
    return sum(1 for offset in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=offset), country))


def unanswered_working_days(table) -> int:
    """The table's N working days before the first reminder."""
    schedule = ReminderSchedule.objects.filter(table=table).values_list("unanswered_working_days", flat=True)
    return schedule.first() or DEFAULT_UNANSWERED_WORKING_DAYS


def unanswered_occurrence(number: int) -> str:
    return f"{UNANSWERED}{number}"


def unanswered_key(concern, recipient_id: int, number: int) -> str:
    occurrence = unanswered_occurrence(number)
    return f"{Kind.CONCERN_UNANSWERED}:concern:{concern.pk}:user:{recipient_id}:{occurrence}"


def _number(occurrence: str) -> int:
    return int(occurrence.removeprefix(UNANSWERED))


def is_waiting(concern) -> bool:
    """Accepted (or in progress), without an official answer, not hidden, not a duplicate."""
    from concerns.models import Status

    return (concern.status in (Status.ACCEPTED, Status.IN_PROGRESS) and concern.accepted_at is not None
            and concern.first_answer_at is None and concern.hidden_at is None
            and concern.duplicate_of_id is None)


def accepted_on(concern) -> date:
    """The day the concern was accepted, on the table's clock."""
    return timezone.localtime(concern.accepted_at, concern.table.zone).date()


def first_unanswered_day(concern, working_days: int) -> date:
    return working_days_after(accepted_on(concern), working_days, concern.table.country)


def next_unanswered_moment(concern, working_days: int, now: datetime) -> datetime:
    """The first reminder moment (N working days after acceptance, then every 7 days, at
    09:00 on the table's clock) still ahead of `now`."""
    first = first_unanswered_day(concern, working_days)
    return next_weekly_moment(first, EVERY_DAYS, concern.table.zone, now)


def days_unanswered(reminder: Reminder) -> int:
    """Working days from the concern's acceptance to the day the reminder goes out (its
    claim, or its planned moment), on the table's clock: what the email says."""
    concern = reminder.concern
    moment = reminder.claimed_at or reminder.send_at
    today = timezone.localtime(moment, concern.table.zone).date()
    return working_days_between(accepted_on(concern), today, concern.table.country)


def concern_recipient_ids(concern, only: Iterable[int] | None = None) -> list[int]:
    """Active, verified officials of the institutions asked to answer and the coordinators
    of the concern's subcommittee (active members of the table), who may read the concern.
    `only` narrows the question to some people. Two queries whatever their number."""
    from accounts.models import User
    from concerns.models import Concern, ConcernAssignment
    from mesa import permissions as mesa_permissions
    from mesa.models import Membership, Role

    assigned = ConcernAssignment.objects.filter(concern=concern.pk).values("institution_id")
    coordinators = User.objects.filter(coordinated_subcommittees=concern.subcommittee_id).values("pk")
    expected = (Membership.objects.active().verified().filter(table=concern.table_id)
                .filter(Q(role=Role.OFFICIAL, institution__in=assigned) | Q(user__in=coordinators)))
    people = User.objects.filter(is_active=True, pk__in=expected.values("user_id"))
    if only is not None:
        people = people.filter(pk__in=list(only))
    people = list(people)
    if not people:
        return []
    # Whether each may read it, by the one rule (visible_to), in a single query
    # (and one for what they all hold at the table).
    mesa_permissions.prefetch_object_permissions(people)
    readable = [Concern.objects.visible_to(person).filter(pk=concern.pk).order_by()
                .annotate(reader=Value(person.pk, output_field=IntegerField()))
                .values_list("reader", flat=True) for person in people]
    return sorted(set(readable[0].union(*readable[1:], all=True)))


def plan_concern(concern, now: datetime | None = None) -> None:
    """Plan (or re-plan after any change) a concern's reminder; a concern no longer waiting
    for an official answer has its planned ones cancelled. Caller holds the concern's lock."""
    now = now or timezone.now()
    if not is_waiting(concern):
        cancel_concern(concern, now)
        return
    table = concern.table
    recipients = concern_recipient_ids(concern)
    ours = Reminder.objects.filter(concern=concern, kind=Kind.CONCERN_UNANSWERED)
    # Someone who no longer receives them (an institution's official no more, left the table).
    ours.filter(state=State.PLANNED).exclude(recipient__in=recipients).update(
        state=State.CANCELLED, updated_at=now)
    current = ours.filter(recipient__in=recipients)

    # Only the next occurrence: the one after the last that went out (or failed for good).
    used = [_number(o) for o in ours.filter(state__in=USED).values_list("occurrence", flat=True)]
    number = max(used, default=0) + 1
    occurrence = unanswered_occurrence(number)
    current.filter(state=State.PLANNED).exclude(
        occurrence__in=[unanswered_occurrence(n) for n in range(1, number + 1)]).update(
        state=State.CANCELLED, updated_at=now)
    moment = next_unanswered_moment(concern, unanswered_working_days(table), now)
    place(current.filter(occurrence=occurrence), moment, now)
    Reminder.objects.bulk_create(
        [Reminder(key=unanswered_key(concern, user_id, number), kind=Kind.CONCERN_UNANSWERED,
                  occurrence=occurrence, table=table, recipient_id=user_id, concern=concern, send_at=moment)
         for user_id in recipients],
        ignore_conflicts=True, batch_size=1000,
    )


def cancel_concern(concern, now: datetime | None = None) -> int:
    """A concern no longer waiting has its planned reminders cancelled; sent ones stay."""
    return Reminder.objects.filter(concern=concern, kind=Kind.CONCERN_UNANSWERED, state=State.PLANNED).update(
        state=State.CANCELLED, updated_at=now or timezone.now())


def still_meaningful(reminder: Reminder, now: datetime) -> bool:
    """At send time: the concern still waits for an official answer, and the recipient is
    still one of the people reminded of it (and so may still read it)."""
    concern = reminder.concern
    if not is_waiting(concern):
        return False
    return reminder.recipient_id in concern_recipient_ids(concern, only=[reminder.recipient_id])

