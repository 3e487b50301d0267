"""The ways a reminder reaches a person: the in-app inbox and email, and room for more.

A channel has a `name` (stored in Reminder.channels and in a person's
preferences as "kind:channel"), a `label` for the preferences page, says whether
it `reaches` a person (email needs an address; an SMS channel would need a
phone number), and `deliver`s one rendered Message.

Transactional channels (the inbox) write to the database in the transaction that
marks the reminders sent (`deliver_all`, for a chunk of reminders at once): they
commit with the "sent" mark or not at all. Other channels (email, and SMS or
WhatsApp when added) deliver outside it, one message at a time, before it, so
dispatch records, even on a failure, which of them already delivered, and a
retry does not deliver by them again. Each Message carries a deterministic id
that an external channel passes on (email's Message-ID) so the receiving side
can recognise a duplicate.

Adding a channel: subclass Channel, list its dotted path in the setting
MESA_REMINDER_CHANNELS, add its label. Preferences and the log pick it up.
"""

from dataclasses import dataclass, field
from datetime import datetime
from email.mime.base import MIMEBase
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils.module_loading import import_string
from django.utils.translation import pgettext_lazy

SUBJECT_LENGTH = 250  # InboxMessage.subject's
DEFAULT_CHANNELS = ["reminders.channels.InboxChannel", "reminders.channels.EmailChannel"]


@dataclass
class Message:
    reminder: object  # reminders.models.Reminder
    subject: str
    body: str
    url: str  # path on this site
    message_id: str
    at: datetime
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # (name, content, mimetype)
    batch: object = None  # reminders.dispatch.Batch: what the messages of one task share

    @property
    def recipient(self):
        return self.reminder.recipient


class Channel:
    name: str = ""
    label = ""
    transactional = False

    def reaches(self, user) -> bool:
        return True

    def deliver(self, message: Message) -> None:
        raise NotImplementedError

    def deliver_all(self, messages: list[Message]) -> None:
        """Several at once: what a transactional channel is asked to do, for a chunk of
        reminders inside the transaction that marks them sent."""
        for message in messages:
            self.deliver(message)


class InboxChannel(Channel):
    name = "inbox"
    label = pgettext_lazy("channel", "Inbox in Mesa")
    transactional = True

    # The messages, and as many more unread for their people, in one statement for a chunk of
    # reminders. The people's rows are locked first in the order of their ids, so two chunks
    # never wait for each other's in a circle.
    _LOCK_SQL = "SELECT id FROM {user} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
    _SQL = """
        WITH message AS (
            INSERT INTO {inbox} (user_id, reminder_id, subject, body, url, created_at, read_at)
            SELECT new.user_id, new.reminder_id, new.subject, new.body, new.url, %s, NULL
              FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[])
                   AS new (user_id, reminder_id, subject, body, url)
            RETURNING user_id),
        unread AS (SELECT user_id, count(*) AS n FROM message GROUP BY user_id)
        UPDATE {user} SET inbox_unread = {user}.inbox_unread + unread.n
          FROM unread WHERE {user}.id = unread.user_id"""

    def deliver(self, message: Message) -> None:
        self.deliver_all([message])

    def deliver_all(self, messages: list[Message]) -> None:
        from accounts.models import User
        from reminders.models import InboxMessage

        tables = {"inbox": InboxMessage._meta.db_table, "user": User._meta.db_table}
        people = sorted({message.reminder.recipient_id for message in messages})
        with connection.cursor() as cursor:
            if len(people) > 1:
                cursor.execute(self._LOCK_SQL.format(**tables), [people])
            cursor.execute(self._SQL.format(**tables), [
                messages[0].at,
                [message.reminder.recipient_id for message in messages],
                [message.reminder.pk for message in messages],
                [_inbox_subject(message.subject) for message in messages],
                [message.body for message in messages],
                [message.url for message in messages]])


def _inbox_subject(subject: str) -> str:
    return subject if len(subject) <= SUBJECT_LENGTH else subject[:SUBJECT_LENGTH - 1] + "…"


class EmailChannel(Channel):
    name = "email"
    label = pgettext_lazy("channel", "Email")

    def reaches(self, user) -> bool:
        return bool(user.email)

    def deliver(self, message: Message) -> None:
        connection = message.batch.email_connection if message.batch is not None else None
        email = _ReminderEmail(message.subject, message.body, to=[message.recipient.email],
                               headers={"Message-ID": message.message_id}, connection=connection)
        email.boundary = "=_" + message.message_id.strip("<>").partition("@")[0]
        for attachment in message.attachments:
            email.attach(self._attachment(attachment, message.batch))
        email.send()

    @staticmethod
    def _attachment(attachment: tuple[str, str, str], batch) -> MIMEBase:
        """The MIME part of an attachment, made once per batch: the .ics file of a session is
        the same for everyone reminded of it, and writing it costs more than sending it."""
        parts = batch.email_parts if batch is not None else {}
        if attachment not in parts:
            name, content, mimetype = attachment
            part = EmailMessage()._create_mime_attachment(content, mimetype)
            part.add_header("Content-Disposition", "attachment", filename=name)
            parts[attachment] = part
        return parts[attachment]


class _ReminderEmail(EmailMessage):
    """An email whose multipart boundary is given (made from its Message-ID), not drawn at random
    and then searched for in the whole text each time the email is written."""

    boundary = ""

    def message(self):
        message = super().message()
        if self.boundary and message.is_multipart():
            message.set_boundary(self.boundary)
        return message


@cache
def _configured(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels = tuple(import_string(path)() for path in paths)
    # Transactional ones first, as they are recorded in Reminder.channels.
    return tuple(sorted(channels, key=lambda channel: not channel.transactional))


def configured() -> tuple[Channel, ...]:
    return _configured(tuple(getattr(settings, "MESA_REMINDER_CHANNELS", DEFAULT_CHANNELS)))


def by_name() -> dict[str, Channel]:
    return {channel.name: channel for channel in configured()}
