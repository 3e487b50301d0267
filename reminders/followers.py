"""Followers hear of what they follow: a notice of each piece of news, or a daily digest.

News is an official answer or a change of status of a concern, or an action
update of a commitment. The service that records it calls `plan_news` inside its
transaction, so the notices exist exactly when the news does:

- Followers who want a notice per piece of news get one row each, due now,
  keyed by the news ("follow_update:answer:<id>:user:<id>"): the dispatcher's
  next tick sends it.
- Followers who chose the daily digest get one row per table and evening
  ("follow_digest:table:<id>:user:<id>:<date>"), due at 18:00 on the table's
  clock; more news the same day finds it already planned. At send time the
  digest reads the news of that day's window (from 18:00 the evening before)
  about what the person follows then.

Only followers with something to receive get a row: the author of the news is
not told of their own news, and nobody is planned a digest on a quiet day. The
rows are inserted in bulk, never one task per follower. A follower who can no
longer see the concern or commitment when it is sent is skipped.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from reminders.models import Kind, NotificationPreferences, Reminder

DIGEST_AT = time(18, 0)
NEWS_TEXT_LENGTH = 600


# --- Planning -------------------------------------------------------------------------------


def digest_day(table, now: datetime) -> date:
    """The evening whose digest takes news of `now`: today's at 18:00 local, or tomorrow's."""
    local = timezone.localtime(now, table.zone)
    return local.date() if local.time() < DIGEST_AT else local.date() + timedelta(days=1)


def digest_moment(table, day: date) -> datetime:
    return datetime.combine(day, DIGEST_AT).replace(tzinfo=table.zone, fold=0)


def digest_key(table, user_id: int, day: date) -> str:
    return f"{Kind.FOLLOW_DIGEST}:table:{table.pk}:user:{user_id}:{day.isoformat()}"


def news_key(occurrence: str, user_id: int) -> str:
    return f"{Kind.FOLLOW_UPDATE}:{occurrence.replace('-', ':', 1)}:user:{user_id}"


def plan_news(*, follows, occurrence: str, author_id: int | None, concern=None, commitment=None,
              now: datetime | None = None) -> int:
    """Plan the notices and digests of one piece of news for the followers in `follows`
    (a queryset of Follow rows); returns how many rows were planned."""
    now = now or timezone.now()
    about = concern or commitment
    table = about.table
    follower_ids = follows.exclude(user_id=author_id).filter(user__is_active=True).values("user_id")
    digest_ids = set(NotificationPreferences.objects.filter(user__in=follower_ids, follow_digest=True)
                     .values_list("user_id", flat=True))
    day = digest_day(table, now)
    rows = []
    for user_id in follower_ids.values_list("user_id", flat=True).iterator(chunk_size=2000):
        if user_id in digest_ids:
            rows.append(Reminder(key=digest_key(table, user_id, day), kind=Kind.FOLLOW_DIGEST,
                                 occurrence=day.isoformat(), table=table, recipient_id=user_id,
                                 send_at=digest_moment(table, day)))
        else:
            rows.append(Reminder(key=news_key(occurrence, user_id), kind=Kind.FOLLOW_UPDATE,
                                 occurrence=occurrence, table=table, recipient_id=user_id,
                                 concern=concern, commitment=commitment, send_at=now))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def plan_answer(answer, now: datetime | None = None) -> int:
    concern = answer.concern
    return plan_news(follows=concern.follows.all(), occurrence=f"answer-{answer.pk}",
                     author_id=answer.author_id, concern=concern, now=now)


def plan_status_change(event, now: datetime | None = None) -> int:
    """A concern's change of status (a ConcernEvent of kind "status")."""
    concern = event.concern
    return plan_news(follows=concern.follows.all(), occurrence=f"event-{event.pk}",
                     author_id=event.actor_id, concern=concern, now=now)


def plan_action_update(update, now: datetime | None = None) -> int:
    commitment = update.commitment
    return plan_news(follows=commitment.follows.all(), occurrence=f"update-{update.pk}",
                     author_id=update.author_id, commitment=commitment, now=now)


# --- Sending --------------------------------------------------------------------------------


@dataclass
class News:
    about: str  # the concern's title or the commitment's code
    what: str  # what happened, one line
    text: str
    at: datetime
    url: str


def _answer_news(answer) -> News:
    return News(about=answer.concern.title,
                what=_("Official answer of %(institution)s") % {"institution": answer.institution.name},
                text=Truncator(answer.text).chars(NEWS_TEXT_LENGTH), at=answer.created_at,
                url=answer.concern.get_absolute_url())


def _status_news(event) -> News:
    from concerns.models import Status

    what = _("Status: %(from)s → %(to)s") % {"from": Status(event.from_status).label,
                                            "to": Status(event.to_status).label}
    return News(about=event.concern.title, what=what, text=Truncator(event.note).chars(NEWS_TEXT_LENGTH),
                at=event.created_at, url=event.concern.get_absolute_url())


def _update_news(update) -> News:
    commitment = update.commitment
    return News(about=f"{commitment.code} · {Truncator(commitment.description).chars(80)}",
                what=_("Action update of %(institution)s, %(day)s") % {
                    "institution": update.institution.name, "day": date_format(update.action_on)},
                text=Truncator(update.text).chars(NEWS_TEXT_LENGTH), at=update.created_at,
                url=commitment.get_absolute_url())


def news_of(reminder: Reminder) -> News | None:
    """The piece of news a notice is about (rendered in the current language), if it still exists."""
    from commitments.models import ActionUpdate
    from concerns.models import Answer, ConcernEvent

    kind, _sep, pk = reminder.occurrence.partition("-")
    if kind == "answer":
        answer = Answer.objects.select_related("concern__table", "institution").filter(pk=pk).first()
        return answer and _answer_news(answer)
    if kind == "event":
        event = ConcernEvent.objects.select_related("concern__table").filter(pk=pk).first()
        return event and _status_news(event)
    if kind == "update":
        update = (ActionUpdate.objects.select_related("commitment__table", "institution")
                  .filter(pk=pk).first())
        return update and _update_news(update)
    return None


def digest_window(reminder: Reminder) -> tuple[datetime, datetime]:
    """From 18:00 the evening before to 18:00 of the digest's evening, on the table's clock."""
    table = reminder.table
    day = date.fromisoformat(reminder.occurrence)
    return digest_moment(table, day - timedelta(days=1)), digest_moment(table, day)


def digest_news(reminder: Reminder) -> list[News]:
    """The news of the digest's window about what the person follows at the table and may see,
    oldest first."""
    from commitments.models import ActionUpdate, Commitment
    from concerns.models import Answer, Concern, ConcernEvent

    user, table = reminder.recipient, reminder.table
    start, end = digest_window(reminder)
    window = Q(created_at__gt=start, created_at__lte=end)
    concerns = Concern.objects.visible_to(user).filter(table=table, follows__user=user)
    commitments = Commitment.objects.visible_to(user).filter(table=table, follows__user=user)
    news = [_answer_news(answer) for answer in Answer.objects.filter(window, concern__in=concerns)
            .exclude(author=user).select_related("concern__table", "institution")]
    news += [_status_news(event) for event in ConcernEvent.objects.filter(
        window, concern__in=concerns, kind=ConcernEvent.Kind.STATUS).exclude(actor=user)
        .select_related("concern__table")]
    news += [_update_news(update) for update in ActionUpdate.objects.filter(
        window, commitment__in=commitments).exclude(author=user)
        .select_related("commitment__table", "institution")]
    return sorted(news, key=lambda item: item.at)


def may_still_see(reminder: Reminder) -> bool:
    """At send time: the follower may still see what the notice is about."""
    from commitments.models import Commitment
    from concerns.models import Concern

    user = reminder.recipient
    if reminder.concern_id is not None:
        return Concern.objects.visible_to(user).filter(pk=reminder.concern_id).exists()
    if reminder.commitment_id is not None:
        return Commitment.objects.visible_to(user).filter(pk=reminder.commitment_id).exists()
    return True
