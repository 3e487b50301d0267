"""The inbox and notification preferences API: exactly the rules of the pages.

- A person's inbox is theirs alone: every address reads inbox_of(requester), and
  another person's message answers 404, as if it did not exist (never 403).
- Reading a message here does not mark it read, unlike opening it on the page: an
  API client may show a list without the person having read anything. It marks a
  message read with POST .../read/ (or all with read-all/), through
  reminders.services.inbox_mark_read, which keeps the first read time and the
  unread counter of the header (User.inbox_unread) in step.
- The unread count is its own small address, for a badge polled without the list.
- Preferences are one resource per person: the channels ON for each kind the
  preferences page offers, and daily digest or not; saved with
  reminders.services.preferences_save. A kind or channel that does not exist is a
  400 naming it, and nothing is saved.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from reminders import channels, permissions, services
from reminders.api.filters import InboxFilter
from reminders.api.serializers import (
    InboxMessageSerializer,
    InboxReadAllSerializer,
    InboxReadSerializer,
    InboxUnreadCountSerializer,
    NotificationPreferencesSerializer,
)
from reminders.models import InboxMessage, Kind, NotificationPreferences, preferences_of
from reminders.querysets import inbox_of

_ERROR = inline_serializer("RemindersErrorResponse", {"detail": serializers.CharField()})
_NOT_SIGNED_IN = OpenApiResponse(_ERROR, description="Not signed in.")
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such message, or another person's.")
_BAD = OpenApiResponse(description="Invalid input: a JSON body naming each field, e.g. "
                       '{"channels": {"sms_news": ["…"]}} for a kind that does not exist or '
                       '{"channels": {"session": ["…"]}} for a channel that does not exist. '
                       "Nothing is saved.")


# --- The inbox ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List your inbox",
        description="Your messages (reminders of sessions, commitments and concerns, news of what "
        "you follow), newest first. Each time is on the clock of the table whose reminder it was. "
        "Listing or reading messages does not mark them read; the unread count is at "
        "`/api/v1/inbox/unread-count/`.",
        responses={200: InboxMessageSerializer(many=True), 401: _NOT_SIGNED_IN},
    ),
    retrieve=extend_schema(
        summary="One of your messages",
        description="Reading it here does not mark it read (unlike opening it on the inbox page): "
        "POST to its `read/` address for that.",
        responses={200: InboxMessageSerializer, 401: _NOT_SIGNED_IN, 404: _NOT_FOUND},
    ),
)
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requester's in-app inbox: what Mesa told them. Messages are never changed or deleted
    through the API, only marked read."""

    serializer_class = InboxMessageSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = InboxFilter
    queryset = InboxMessage.objects.none()  # the real one is the requester's inbox

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema has no requester
            return InboxMessage.objects.none()
        return inbox_of(self.request.user).with_list_data().order_by("-created_at", "-pk")

    def filter_queryset(self, queryset):
        # Filters are the list's; a message's own address ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> InboxMessage:
        pk = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit()):  # /inbox/abc/: no such message, not a 500
            raise exceptions.NotFound
        return permissions.get_inbox_message_for_user(self.request.user, int(pk))

    @extend_schema(
        summary="How many of your messages are unread",
        description="The count the site's header shows, read without listing the inbox.",
        responses={200: InboxUnreadCountSerializer, 401: _NOT_SIGNED_IN},
    )
    @action(detail=False, methods=["get"], url_path="unread-count", url_name="unread-count",
            filterset_class=None, pagination_class=None)
    def unread_count(self, request, *args, **kwargs):
        return Response(InboxUnreadCountSerializer({"unread": request.user.inbox_unread}).data)

    @extend_schema(
        summary="Mark one of your messages read",
        description="Idempotent: a message already read keeps its first read time, and `marked` is "
        "0. Answers with the message and your new unread count.",
        request=None,
        responses={200: InboxReadSerializer, 401: _NOT_SIGNED_IN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request, *args, **kwargs):
        message = self.get_object()
        now = timezone.now()
        marked = services.inbox_mark_read(user=request.user, now=now, pk=message.pk)
        if marked:
            message.read_at = now
        elif message.read_at is None:  # read meanwhile by another request: show its time
            message.refresh_from_db(fields=["read_at"])
        data = {"marked": marked, "unread": request.user.inbox_unread, "message": message}
        return Response(InboxReadSerializer(data, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Mark all your messages read",
        description="Those already read keep their first read time. Answers with how many this "
        "marked and your new unread count (0).",
        request=None,
        responses={200: InboxReadAllSerializer, 401: _NOT_SIGNED_IN},
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all",
            filterset_class=None, pagination_class=None)
    def read_all(self, request, *args, **kwargs):
        marked = services.inbox_mark_read(user=request.user, now=timezone.now())
        return Response(InboxReadAllSerializer({"marked": marked, "unread": request.user.inbox_unread}).data)


# --- Notification preferences --------------------------------------------------------------------


def _as_data(preferences: NotificationPreferences) -> dict:
    """What the API shows: for each kind, the channels ON."""
    return {
        "follow_digest": preferences.follow_digest,
        "channels": {kind.value: [channel.name for channel in channels.configured()
                                  if preferences.wants(kind, channel.name)]
                     for kind in Kind.chosen_by_people()},
    }


def _muted(current: NotificationPreferences, chosen: dict[str, list[str]]) -> list[str]:
    """The "kind:channel" pairs to turn off: as `chosen` says for the kinds it names, as they are
    for the others. Like the preferences form, only configured channels are kept."""
    return [NotificationPreferences.pair(kind, channel.name)
            for kind in Kind.chosen_by_people() for channel in channels.configured()
            if not (channel.name in chosen[kind] if kind in chosen else current.wants(kind, channel.name))]


_PREFERENCES_DESCRIPTION = (
    "`channels` lists, for each kind of message you choose channels for, the channels it goes by "
    "(`inbox`: this site's inbox; `email`); a channel not listed is off for that kind. News of what "
    "you follow, one by one or as the daily digest, goes by the channels of `follow_update`. "
    "Without choices of your own, everything goes by every channel, one message per piece of news."
)


class NotificationPreferencesView(APIView):
    """The requester's notification preferences: one resource per person, at one address."""

    permission_classes = [IsAuthenticated]

    def _represent(self, preferences: NotificationPreferences) -> Response:
        return Response(NotificationPreferencesSerializer(_as_data(preferences)).data)

    def _save(self, request, *, partial: bool) -> Response:
        user: User = request.user
        serializer = NotificationPreferencesSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        current = preferences_of(user)
        preferences = services.preferences_save(
            user=user,
            follow_digest=data.get("follow_digest", current.follow_digest),
            muted=_muted(current, data.get("channels", {})),
        )
        return self._represent(preferences)

    @extend_schema(
        summary="Your notification preferences",
        description=_PREFERENCES_DESCRIPTION,
        responses={200: NotificationPreferencesSerializer, 401: _NOT_SIGNED_IN},
    )
    def get(self, request, *args, **kwargs):
        return self._represent(preferences_of(request.user))

    @extend_schema(
        summary="Replace your notification preferences",
        description=_PREFERENCES_DESCRIPTION + " A PUT sends `follow_digest` and every kind; use "
        "PATCH to change some.",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer, 400: _BAD, 401: _NOT_SIGNED_IN},
    )
    def put(self, request, *args, **kwargs):
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change some of your notification preferences",
        description=_PREFERENCES_DESCRIPTION + " A PATCH sends only what changes: the kinds it "
        "leaves out keep their channels, and `follow_digest` left out keeps its value.",
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer, 400: _BAD, 401: _NOT_SIGNED_IN},
    )
    def patch(self, request, *args, **kwargs):
        return self._save(request, partial=True)
