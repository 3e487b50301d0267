"""Planning a commitment's reminders: before it falls due, and weekly while overdue.

Called by commitments.services inside their transaction (recording a commitment,
moving its due date, changing its status or its responsible officials), and by
the dispatcher after an overdue reminder is sent, so the reminders exist exactly
when their cause does.

- Before the due date: N days before it (the table's `commitment_days_before`,
  default 7, 1 and 0), at 09:00 on the table's wall clock of that day, stored in UTC.
- While overdue: the day after the due date at 09:00 local, then every
  `overdue_every_days` days; only the next occurrence is planned ("overdue-1",
  "overdue-2" ... counted per commitment), the one after it when it is sent.
- To the owning institution's responsible officials (active, verified officials of
  it), copied to the coordinators: the subcommittee's for an agreement of a
  subcommittee session, the secretariat for a plenary's. One row per recipient.
- Keys are deterministic and unique: planning again adds nothing. A due reminder's
  key carries the due date: moving the due date cancels the planned ones of the old
  date and plans those of the new one (sent ones stay sent; moving back to a date
  finds its rows again). Re-planning moves rows still planned; rows sent stay as they
  are; rows cancelled or skipped (never sent) are planned again when their new moment
  is still ahead. A moment already past
  is not planned. A closed or withdrawn commitment's planned rows are cancelled, as are
  those of a person who no longer receives them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from reminders.models import (
    DEFAULT_COMMITMENT_DAYS_BEFORE,
    DEFAULT_OVERDUE_EVERY_DAYS,
    Kind,
    Reminder,
    ReminderSchedule,
    State,
)
from reminders.planner import USED, place

SEND_AT = time(9, 0)
KINDS = (Kind.COMMITMENT_DUE, Kind.COMMITMENT_OVERDUE)  # not the followers' notices
OVERDUE = "overdue-"


def at_local_clock(day: date, zone: ZoneInfo, clock: time = SEND_AT) -> datetime:
    """`clock` on `day` on the clocks of `zone`, as an aware instant (a time skipped by a
    daylight-saving change is read with the offset in force before it)."""
    return datetime.combine(day, clock).replace(tzinfo=zone, fold=0)


def commitment_offsets(table) -> tuple[list[int], int]:
    """(days before the due date, most first; days between overdue reminders)."""
    schedule = ReminderSchedule.objects.filter(table=table).first()
    days = schedule.commitment_days_before if schedule and schedule.commitment_days_before else None
    every = schedule.overdue_every_days if schedule else DEFAULT_OVERDUE_EVERY_DAYS
    return sorted(set(days or DEFAULT_COMMITMENT_DAYS_BEFORE), reverse=True), every


def due_occurrence(days: int) -> str:
    return f"{days}d"


def due_key(commitment, recipient_id: int, days: int) -> str:
    """Keyed by the due date too: "7 days before" a moved due date is another reminder than
    "7 days before" the first one, and goes out even if the first one did."""
    return (f"{Kind.COMMITMENT_DUE}:commitment:{commitment.pk}:user:{recipient_id}:{due_occurrence(days)}"
            f":{commitment.due_on.isoformat()}")


def is_for_due_date(reminder: Reminder, due_on: date) -> bool:
    return reminder.key.endswith(f":{due_on.isoformat()}")


def overdue_key(commitment, recipient_id: int, number: int) -> str:
    return f"{Kind.COMMITMENT_OVERDUE}:commitment:{commitment.pk}:user:{recipient_id}:{OVERDUE}{number}"


def days_before(reminder: Reminder) -> int:
    """The N of a due reminder's occurrence "Nd"."""
    return int(reminder.occurrence.removesuffix("d"))


def commitment_recipient_ids(commitment) -> list[int]:
    """The responsible officials who are still active, verified officials of the owning
    institution, and the coordinators the commitment is copied to."""
    from mesa.models import Membership, Role

    members = Membership.objects.active().filter(table=commitment.table_id)
    officials = Q(role=Role.OFFICIAL, verified_at__isnull=False, institution=commitment.institution_id,
                  user__in=commitment.responsible_officials.all())
    session = commitment.agreement.session
    if session.subcommittee_id is not None:
        coordinators = Q(user__in=session.subcommittee.coordinators.all())
    else:
        coordinators = Q(role=Role.SECRETARIAT)
    return sorted(set(members.filter(officials | coordinators).values_list("user_id", flat=True)))


def next_weekly_moment(first: date, every: int, zone: ZoneInfo, now: datetime) -> datetime:
    """The first of `first`, `first` + `every` days, ... at 09:00 on the clocks of `zone`
    that is still ahead of `now` (after a downtime: the next one, never a burst)."""
    today = timezone.localtime(now, zone).date()
    steps = max(0, (today - first).days // every)
    moment = at_local_clock(first + timedelta(days=steps * every), zone)
    while moment <= now:
        steps += 1
        moment = at_local_clock(first + timedelta(days=steps * every), zone)
    return moment


def next_overdue_moment(commitment, every: int, now: datetime) -> datetime:
    """The first overdue moment (the day after the due date, then every `every` days, at
    09:00 on the table's clock) still ahead of `now`."""
    return next_weekly_moment(commitment.due_on + timedelta(days=1), every, commitment.table.zone, now)


def _overdue_number(occurrence: str) -> int:
    return int(occurrence.removeprefix(OVERDUE))


def plan_commitment(commitment, now: datetime | None = None) -> None:
    """Plan (or re-plan after any change) a commitment's reminders; a commitment no longer
    pending has its planned ones cancelled."""
    from commitments.models import CommitmentStatus

    now = now or timezone.now()
    if commitment.status not in CommitmentStatus.pending():
        cancel_commitment(commitment, now)
        return
    table = commitment.table
    offsets, every = commitment_offsets(table)
    recipients = commitment_recipient_ids(commitment)
    ours = Reminder.objects.filter(commitment=commitment, kind__in=KINDS)
    # Someone who no longer receives them (no longer responsible, left the table).
    ours.filter(state=State.PLANNED).exclude(recipient__in=recipients).update(
        state=State.CANCELLED, updated_at=now)
    current = ours.filter(recipient__in=recipients)

    # Before the due date.
    due = current.filter(kind=Kind.COMMITMENT_DUE)
    keys = {days: [due_key(commitment, user_id, days) for user_id in recipients] for days in offsets}
    # For an offset the table no longer uses, or for a due date that moved.
    due.filter(state=State.PLANNED).exclude(key__in=[key for some in keys.values() for key in some]).update(
        state=State.CANCELLED, updated_at=now)
    moments = {days: at_local_clock(commitment.due_on - timedelta(days=days), table.zone) for days in offsets}
    for days, moment in moments.items():
        place(due.filter(key__in=keys[days]), moment, now)
    rows = [Reminder(key=due_key(commitment, user_id, days), kind=Kind.COMMITMENT_DUE,
                     occurrence=due_occurrence(days), table=table, recipient_id=user_id,
                     commitment=commitment, send_at=moment)
            for days, moment in moments.items() if moment > now
            for user_id in recipients]

    # While overdue: only the next occurrence.
    overdue = current.filter(kind=Kind.COMMITMENT_OVERDUE)
    used = [_overdue_number(o) for o in ours.filter(kind=Kind.COMMITMENT_OVERDUE, state__in=USED)
            .values_list("occurrence", flat=True)]
    number = max(used, default=0) + 1
    occurrence = f"{OVERDUE}{number}"
    still_due = [f"{OVERDUE}{n}" for n in range(1, number + 1)]
    overdue.filter(state=State.PLANNED).exclude(occurrence__in=still_due).update(
        state=State.CANCELLED, updated_at=now)
    moment = next_overdue_moment(commitment, every, now)
    place(overdue.filter(occurrence=occurrence), moment, now)
    rows += [Reminder(key=overdue_key(commitment, user_id, number), kind=Kind.COMMITMENT_OVERDUE,
                      occurrence=occurrence, table=table, recipient_id=user_id, commitment=commitment,
                      send_at=moment)
             for user_id in recipients]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def cancel_commitment(commitment, now: datetime | None = None) -> int:
    """A closed or withdrawn commitment's planned reminders are cancelled; sent ones stay."""
    return Reminder.objects.filter(commitment=commitment, kind__in=KINDS, state=State.PLANNED).update(
        state=State.CANCELLED, updated_at=now or timezone.now())


def still_meaningful(reminder: Reminder, now: datetime) -> bool:
    """At send time: the commitment is still pending and the reminder still applies to
    its due date (a due reminder from its own day until a nearer one's day comes; an
    overdue one while the commitment is overdue)."""
    from commitments.models import CommitmentStatus

    commitment = reminder.commitment
    if commitment.status not in CommitmentStatus.pending():
        return False
    today = commitment.local_today(now)
    if reminder.kind == Kind.COMMITMENT_DUE:
        if not is_for_due_date(reminder, commitment.due_on):
            return False
        # Sent late (catch-up), it still goes out until the day of the next, nearer one.
        days = days_before(reminder)
        offsets, _every = commitment_offsets(commitment.table)
        nearer = max((d for d in offsets if d < days), default=-1)
        return nearer < (commitment.due_on - today).days <= days
    return today > commitment.due_on
