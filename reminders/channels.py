"""The ways a reminder reaches a person: the in-app inbox and email, and room for more.

A channel has a `name` (stored in Reminder.channels and in a person's
preferences as "kind:channel"), a `label` for the preferences page, says whether
it `reaches` a person (email needs an address; an SMS channel would need a
phone number), and `deliver`s one rendered Message.

Transactional channels (the inbox) write to the database inside the send's
transaction: if anything fails afterwards, their delivery rolls back with it.
Other channels (email, and SMS or WhatsApp when added) deliver outside it, so
dispatch.send_one delivers the transactional ones first and records, even on a
failure, which of the others already delivered, so a retry does not deliver
by them again. Each Message carries a deterministic id that an external channel
passes on (email's Message-ID) so the receiving side can recognise a duplicate.

Adding a channel: subclass Channel, list its dotted path in the setting
MESA_REMINDER_CHANNELS, add its label. Preferences and the log pick it up.
"""

from dataclasses import dataclass, field
from datetime import datetime
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


class InboxChannel(Channel):
    name = "inbox"
    label = pgettext_lazy("channel", "Inbox in Mesa")
    transactional = True

    # The message, and one more unread for its person, in one statement: it runs for every
    # reminder sent, and the ORM's create() and update() cost more to build than to run.
    _SQL = """
        WITH message AS (
            INSERT INTO {inbox} (user_id, reminder_id, subject, body, url, created_at, read_at)
            VALUES (%s, %s, %s, %s, %s, %s, NULL) RETURNING user_id)
        UPDATE {user} SET inbox_unread = inbox_unread + 1 WHERE id = (SELECT user_id FROM message)"""

    def deliver(self, message: Message) -> None:
        from accounts.models import User
        from reminders.models import InboxMessage

        reminder = message.reminder
        subject = message.subject
        if len(subject) > SUBJECT_LENGTH:
            subject = subject[:SUBJECT_LENGTH - 1] + "…"
        statement = self._SQL.format(inbox=InboxMessage._meta.db_table, user=User._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(statement, [reminder.recipient_id, reminder.pk, subject, message.body,
                                       message.url, message.at])


class EmailChannel(Channel):
    name = "email"
    label = pgettext_lazy("channel", "Email")

    def reaches(self, user) -> bool:
        return bool(user.email)

    def deliver(self, message: Message) -> None:
        connection = message.batch.email_connection if message.batch is not None else None
        email = EmailMessage(message.subject, message.body, to=[message.recipient.email],
                             headers={"Message-ID": message.message_id}, connection=connection)
        for name, content, mimetype in message.attachments:
            email.attach(name, content, mimetype)
        email.send()


@cache
def _configured(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels = tuple(import_string(path)() for path in paths)
    # Transactional ones first: they roll back if a later one fails.
    return tuple(sorted(channels, key=lambda channel: not channel.transactional))


def configured() -> tuple[Channel, ...]:
    return _configured(tuple(getattr(settings, "MESA_REMINDER_CHANNELS", DEFAULT_CHANNELS)))


def by_name() -> dict[str, Channel]:
    return {channel.name: channel for channel in configured()}
