"""Shapes of the inbox and notification preferences API.

Messages are shown as the inbox page shows them: each moment on the clock of
the table whose reminder it was (UTC for a message of no table), with the
offset. Preferences are shown the other way round from how they are stored:
for each kind of message a person chooses channels for, the channels that are
ON (NotificationPreferences keeps the "kind:channel" pairs turned off).

Input serializers check shape only (known kinds, known channels); the view
works out the pairs to turn off and saves them with reminders.services.
"""

from collections.abc import Mapping
from datetime import UTC

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concerns.api.schema import NamedChoiceField
from mesa.models import Table
from reminders import channels
from reminders.models import InboxMessage, Kind

# A name longer than this is no channel or kind: quoted back cut short.
_QUOTED_MAX = 40


def _quoted(value) -> str:
    text = str(value)
    return text if len(text) <= _QUOTED_MAX else text[:_QUOTED_MAX] + "…"


# --- The inbox -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATETIME)
class InboxDateTimeField(serializers.Field):
    """A moment on the clock of the table whose reminder the message was (UTC if none), with
    the offset. The message must have its reminder and table loaded (with_list_data)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, message: InboxMessage):
        value = super().get_attribute(message)
        if value is None:
            return None
        zone = message.reminder.table.zone if message.reminder_id else UTC
        return value.astimezone(zone)

    def to_representation(self, value):
        return value.isoformat()


class InboxTableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Table
        fields = ["slug", "name"]
        read_only_fields = fields


class InboxMessageSerializer(serializers.ModelSerializer):
    """One message of the requester's inbox."""

    url = serializers.SerializerMethodField(
        help_text="The page it is about, as a path on this site (/t/juarez/sessions/4/); null if it "
        "is about no page."
    )
    kind = NamedChoiceField(
        enum_name="ReminderKindEnum", choices=Kind.choices, source="reminder.kind", read_only=True,
        allow_null=True, help_text="The kind of reminder it was; null for a message of no reminder.",
    )
    table = InboxTableSerializer(
        source="reminder.table", read_only=True, allow_null=True,
        help_text="The table whose reminder it was; null for a message of no table.",
    )
    created_at = InboxDateTimeField(help_text="When it arrived, on the table's clock.")
    read_at = InboxDateTimeField(
        allow_null=True,
        help_text="When it was first read (on the inbox page, or marked read); null while unread.",
    )

    class Meta:
        model = InboxMessage
        fields = ["id", "subject", "body", "url", "kind", "table", "created_at", "read_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_url(self, message: InboxMessage) -> str | None:
        return message.url or None


class InboxUnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="How many of your messages are unread.")


class InboxReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many messages this request marked read.")
    unread = serializers.IntegerField(help_text="How many of your messages are unread now.")


class InboxReadSerializer(InboxReadAllSerializer):
    marked = serializers.IntegerField(
        help_text="1 if this request marked the message read, 0 if it had been read already."
    )
    message = InboxMessageSerializer(help_text="The message, with its (first) read time.")


# --- Notification preferences ------------------------------------------------------------------


def _channel_names() -> list[str]:
    return [channel.name for channel in channels.configured()]


class ChannelListField(serializers.ListField):
    """The channels a kind of message goes by, in the order channels are configured. Each name
    once; an empty list turns the kind off altogether. An unknown name is one message for the
    kind, not a message per position."""

    def __init__(self, **kwargs):
        choices = [(channel.name, channel.label) for channel in channels.configured()]
        super().__init__(child=NamedChoiceField(enum_name="ReminderChannelEnum", choices=choices),
                         **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        names = _channel_names()
        for item in data:
            if not isinstance(item, str) or item not in names:
                raise serializers.ValidationError(
                    gettext("“%(name)s” is not a channel. The channels are: %(channels)s.")
                    % {"name": _quoted(item), "channels": ", ".join(names)})
        return [name for name in names if name in data]


class NotificationChannelsSerializer(serializers.Serializer):
    """For each kind of message you choose channels for, the channels it goes by. News of what
    you follow and its daily digest go by the channels of `follow_update`."""

    def get_fields(self):
        return {kind.value: ChannelListField(help_text=str(kind.label)) for kind in Kind.chosen_by_people()}

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            kinds = [kind.value for kind in Kind.chosen_by_people()]
            message = gettext("This is not a kind of message you choose channels for. The kinds are: "
                              "%(kinds)s.") % {"kinds": ", ".join(kinds)}
            unknown = {_quoted(key): [message] for key in data if key not in kinds}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, Mapping):
                raise serializers.ValidationError({**unknown, **error.detail}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class NotificationPreferencesSerializer(serializers.Serializer):
    """What you want to be told, and how. A PUT sends everything; a PATCH only what changes."""

    follow_digest = serializers.BooleanField(
        help_text="true: one message a day, in the evening, with all the news of what you follow; "
        "false: a message for each answer or update."
    )

    def get_fields(self):
        fields = super().get_fields()
        # Built per instance so a PATCH's body is documented with every kind optional.
        fields["channels"] = NotificationChannelsSerializer(
            partial=self.partial,
            help_text="For each kind of message, the channels it goes by (the others are off): "
            "a PUT names every kind, a PATCH only the kinds it changes.",
        )
        return fields
