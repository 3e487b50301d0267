"""Shapes of the sessions, agreements and proposals API.

Input serializers check shape only: meetings.services decide what the current
state allows, meetings.permissions who may ask. Ids sent in a body are looked
up only among the records of the table concerned (and, for concerns and
proposals, among those the requester may read), so an id of another table is a
400 naming the field, never a 500 and never a hint that the record exists.

Times: every moment is shown on the clocks of its table's zone, with the
offset ("2027-03-15T18:00:00-06:00"), never in UTC or the server's zone.
Times sent without an offset are read on the table's clocks
(mesa.timezones.aware_in_zone): a time skipped when the clocks go forward is
refused on its field.
"""

import re
from operator import attrgetter

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_slug
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from concerns.api.schema import NamedChoiceField
from concerns.models import Concern
from meetings.models import (
    RSVP,
    AgendaItem,
    Agreement,
    Minutes,
    Proposal,
    ProposalStatus,
    Session,
    SessionChange,
    SessionStatus,
)
from mesa.api.base import TableField
from mesa.models import Institution, Role, Table
from mesa.timezones import aware_in_zone

# PostgreSQL's integer range: larger ids cannot exist, and are a clear 400.
MAX_ID = 2**31 - 1
# Links an agenda item, agreement or proposal may carry; attendance may name more.
_MAX_LINKS = 100
_MAX_ATTENDEES = 2000
_REASON_MAX_LENGTH = 2000
_SMALL_INT_MAX = 32767


# --- Times ---------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalDateTimeField(serializers.Field):
    """A moment on the clocks of the table it belongs to, with that zone's offset.

    `zone_from` is the path from the object to its table (``table`` or
    ``session.table``); the object must have it loaded (select_related or a
    prefetch), so reading the zone asks the database nothing."""

    def __init__(self, *, zone_from: str = "table", **kwargs):
        kwargs["read_only"] = True
        self.zone_from = attrgetter(zone_from)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        if value is None:
            return None
        return value.astimezone(self.zone_from(instance).zone)

    def to_representation(self, value):
        return value.isoformat()


_DATETIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@extend_schema_field(OpenApiTypes.DATETIME)
class WallClockDateTimeField(serializers.Field):
    """ISO 8601 input. With an offset it is that moment; without one it is read
    on the clocks of the table's zone (`zone` is set by the serializer)."""

    default_error_messages = {
        "invalid": _("Give a date and time in ISO 8601, such as 2027-03-15T18:00:00 (read in the "
                     "table's time zone) or 2027-03-15T18:00:00-06:00."),
        "out_of_range": _("Give a date between the years 1900 and 2999."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 8601. Without an offset (2027-03-15T18:00:00) it is read "
                          "on the clocks of the table's time zone; a time skipped when the clocks go "
                          "forward is refused.")
        self.zone = None
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40 or not _DATETIME_SHAPE.match(data):
            self.fail("invalid")
        try:
            parsed = parse_datetime(data)
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        # Far from any session, and near the ends of the calendar converting between
        # zones overflows.
        if not 1900 <= parsed.year <= 2999:
            self.fail("out_of_range")
        if parsed.tzinfo is not None:
            return parsed
        try:
            return aware_in_zone(parsed, self.zone)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


def _set_zone(serializer: serializers.Serializer, table: Table | None) -> None:
    if table is None:
        return
    for field in serializer.fields.values():
        if isinstance(field, WallClockDateTimeField):
            field.zone = table.zone


# --- Ids -------------------------------------------------------------------------------


def ids_field(help_text: str, *, max_length: int = _MAX_LINKS, **kwargs) -> serializers.ListField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("default", list)
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=max_length,
        help_text=help_text, **kwargs,
    )


def resolve_ids(queryset, ids, message) -> list:
    """The records of `queryset` with these ids, in the order given (one query);
    a 400 with `message` if any is not among them."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {record.pk: record for record in queryset.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise serializers.ValidationError(message)
    return [found[pk] for pk in ids]


_CONCERNS_OF_TABLE = _("Link only concerns raised at this table.")
_PROPOSALS_OF_TABLE = _("Link only proposals of this table.")
_INSTITUTIONS_OF_TABLE = _("Choose only institutions of this table.")


# --- Shared output pieces ------------------------------------------------------------------


def _session_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="SessionStatusEnum", choices=SessionStatus.choices, **kwargs)


def _proposal_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="ProposalStatusEnum", choices=ProposalStatus.choices, **kwargs)


def _rsvp_answer_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="RsvpAnswerEnum", choices=RSVP.Answer.choices, **kwargs)


class MeetingInstitutionSerializer(serializers.ModelSerializer):
    """An institution and its government level."""

    class Meta:
        model = Institution
        fields = ["id", "name", "acronym", "level"]
        read_only_fields = fields


class ConcernLinkSerializer(serializers.ModelSerializer):
    """A linked concern: only those the requester may read are ever listed."""

    class Meta:
        model = Concern
        fields = ["id", "title"]
        read_only_fields = fields


class ProposalLinkSerializer(serializers.ModelSerializer):
    """A linked proposal: only those the requester may read are ever listed."""

    status = _proposal_status_field(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "title", "status"]
        read_only_fields = fields


class SessionLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "code"]
        read_only_fields = fields


class SubcommitteeLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(
        read_only=True, help_text="In the language of the request, falling back to the other one."
    )


# --- Sessions: output --------------------------------------------------------------------


@extend_schema_field({"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]})
class _LinkOrEmptyField(serializers.URLField):
    """A link, or an empty string when there is none (the schema says both)."""


class SessionSerializer(serializers.ModelSerializer):
    """A session as lists show it."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subcommittee = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True,
        help_text="The subcommittee's slug; null for a plenary."
    )
    is_plenary = serializers.BooleanField(read_only=True)
    starts_at = LocalDateTimeField(help_text="On the clocks of the table's zone, with its offset.")
    ends_at = LocalDateTimeField(help_text="On the clocks of the table's zone, with its offset.")
    time_zone = serializers.CharField(source="table.time_zone", read_only=True,
                                      help_text="The table's time zone (IANA name).")
    status = _session_status_field(read_only=True)
    online_url = _LinkOrEmptyField(read_only=True,
                                   help_text="The online meeting link; empty when there is none.")

    class Meta:
        model = Session
        fields = [
            "id",
            "code",
            "title",
            "table",
            "subcommittee",
            "is_plenary",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "online_url",
            "is_public",
            "status",
            "cancellation_reason",
            "sequence",
            "quorum",
        ]
        read_only_fields = fields


class AgendaItemSerializer(serializers.ModelSerializer):
    concerns = serializers.SerializerMethodField(
        help_text="Linked concerns you may read (others are left out)."
    )
    proposals = serializers.SerializerMethodField(
        help_text="Linked proposals you may read (others are left out)."
    )

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "description", "duration_minutes", "concerns", "proposals"]
        read_only_fields = fields

    @extend_schema_field(ConcernLinkSerializer(many=True))
    def get_concerns(self, item: AgendaItem) -> list:
        # The view prefetches only the readable ones (visible_concerns); without it, none.
        return ConcernLinkSerializer(getattr(item, "visible_concerns", []), many=True).data

    @extend_schema_field(ProposalLinkSerializer(many=True))
    def get_proposals(self, item: AgendaItem) -> list:
        return ProposalLinkSerializer(getattr(item, "visible_proposals", []), many=True).data


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    role = NamedChoiceField(enum_name="AttendeeRoleEnum", choices=Role.choices, read_only=True,
                            help_text="The role the person holds at the table (someone who left since, or "
                            "whose claim is not verified yet, counts as a citizen).")
    institution = MeetingInstitutionSerializer(
        read_only=True, allow_null=True, help_text="The institution an official attended for."
    )


class InstitutionPresentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="institution.id", read_only=True)
    name = serializers.CharField(source="institution.name", read_only=True)
    acronym = serializers.CharField(source="institution.acronym", read_only=True)
    level = NamedChoiceField(
        enum_name="PresenceLevelEnum", choices=Institution._meta.get_field("level").choices,
        read_only=True, help_text="The institution's government level on the day.",
    )


class AttendanceSummarySerializer(serializers.Serializer):
    recorded = serializers.BooleanField(help_text="Whether the organisers have recorded attendance.")
    present_count = serializers.IntegerField(help_text="People recorded as present.")
    quorum_required = serializers.IntegerField(
        allow_null=True,
        help_text="Members needed: the session's quorum, or for a plenary without one more than "
        "half of the table's active members; null when the session has no quorum rule.",
    )
    quorum_reached = serializers.BooleanField(
        allow_null=True, help_text="Null until attendance is recorded or when there is no quorum rule."
    )
    institutions_present = InstitutionPresentSerializer(many=True)
    attendees = AttendeeSerializer(
        many=True, allow_null=True,
        help_text="The organisers see everyone present by name; the table's members see officials, "
        "representatives, coordinators and the secretariat (citizens only in the count); others "
        "get null.",
    )


class MinutesSerializer(serializers.ModelSerializer):
    corrects = serializers.SerializerMethodField(help_text="The version this one corrects, if any.")
    is_approved = serializers.BooleanField(read_only=True)
    drafted_at = LocalDateTimeField(source="created_at", zone_from="session.table")
    updated_at = LocalDateTimeField(zone_from="session.table")
    approved_at = LocalDateTimeField(zone_from="session.table", allow_null=True)

    class Meta:
        model = Minutes
        fields = ["id", "version", "text", "corrects", "correction_reason", "is_approved", "drafted_at",
                  "updated_at", "approved_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_corrects(self, minutes: Minutes) -> int | None:
        return self.context.get("minutes_versions", {}).get(minutes.corrects_id)


class SessionAgreementSerializer(serializers.ModelSerializer):
    withdrawn = serializers.BooleanField(source="is_withdrawn", read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "code", "number", "withdrawn"]
        read_only_fields = fields


class SessionChangeSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(enum_name="SessionChangeKindEnum", choices=SessionChange.Kind.choices,
                            read_only=True)
    at = LocalDateTimeField(source="created_at", zone_from="session.table")
    old_starts_at = LocalDateTimeField(zone_from="session.table", allow_null=True)
    old_ends_at = LocalDateTimeField(zone_from="session.table", allow_null=True)
    new_starts_at = LocalDateTimeField(zone_from="session.table", allow_null=True)
    new_ends_at = LocalDateTimeField(zone_from="session.table", allow_null=True)

    class Meta:
        model = SessionChange
        fields = ["kind", "reason", "at", "old_starts_at", "old_ends_at", "new_starts_at", "new_ends_at"]
        read_only_fields = fields


class SessionViewerSerializer(serializers.Serializer):
    """What the requester may do with this session."""

    can_organise = serializers.BooleanField(
        help_text="Edit, reschedule, cancel, build the agenda, record attendance, minutes and "
        "agreements."
    )
    can_approve_minutes = serializers.BooleanField()
    can_rsvp = serializers.BooleanField()
    rsvp = _rsvp_answer_field(read_only=True, allow_null=True,
                              help_text="Your answer to \"will you come?\", if you gave one.")


class SessionDetailSerializer(SessionSerializer):
    """A session with its agenda, attendance, minutes, agreements and timeline.

    The view puts what depends on the requester in the context: ``viewer``
    (a dict), ``show_agenda``, ``show_draft_minutes``, ``attendance`` (a dict)."""

    invited_institutions = MeetingInstitutionSerializer(many=True, read_only=True)
    agenda_published_at = LocalDateTimeField(allow_null=True)
    agenda_public_from = LocalDateTimeField(
        help_text="When the table's members see the agenda: the table's notice before the start, "
        "or earlier if the organisers published it."
    )
    agenda = serializers.SerializerMethodField(
        help_text="The agenda (orden del día), in order; null until it is published, except for "
        "the organisers."
    )
    attendance = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField(
        help_text="Every approved version, oldest first; the draft waiting for approval only for "
        "the organisers."
    )
    agreements = SessionAgreementSerializer(many=True, read_only=True)
    changes = SessionChangeSerializer(many=True, read_only=True,
                                      help_text="The session's timeline, oldest first.")
    viewer = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "description", "invited_institutions",
                  "agenda_published_at", "agenda_public_from", "agenda", "attendance", "minutes",
                  "agreements", "changes", "viewer"]
        read_only_fields = fields

    @extend_schema_field(AgendaItemSerializer(many=True, allow_null=True))
    def get_agenda(self, session: Session) -> list | None:
        if not self.context.get("show_agenda"):
            return None
        return AgendaItemSerializer(session.agenda_items.all(), many=True, context=self.context).data

    @extend_schema_field(AttendanceSummarySerializer)
    def get_attendance(self, session: Session) -> dict:
        return AttendanceSummarySerializer(self.context["attendance"]).data

    @extend_schema_field(MinutesSerializer(many=True))
    def get_minutes(self, session: Session) -> list:
        versions = list(session.minutes.all())
        context = {**self.context, "minutes_versions": {m.pk: m.version for m in versions}}
        if not self.context.get("show_draft_minutes"):
            versions = [m for m in versions if m.is_approved]
        return MinutesSerializer(versions, many=True, context=context).data

    @extend_schema_field(SessionViewerSerializer)
    def get_viewer(self, session: Session) -> dict:
        return SessionViewerSerializer(self.context["viewer"]).data


# --- Sessions: input -----------------------------------------------------------------------


class SlugInputField(serializers.CharField):
    """A slug, its shape checked before the database is asked."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)
        self.validators.append(validate_slug)


class SessionHeadSerializer(serializers.Serializer):
    """Read first, so that someone who may not schedule learns nothing from the
    errors of the rest of the body."""

    table = TableField()
    subcommittee = SlugInputField(
        required=False, allow_null=True, default=None,
        help_text="The slug of one of the table's subcommittees; leave it out for a plenary.",
    )


class _TableInputSerializer(serializers.Serializer):
    """Input about one table's records: `table` sets the zone of times and
    limits the ids accepted."""

    def __init__(self, *args, table: Table | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.user = user
        _set_zone(self, table)


def _invited_field() -> serializers.ListField:
    return ids_field(
        "Ids of the table's institutions invited. Left out when scheduling: a plenary invites all the "
        "table's active institutions, a subcommittee session none.",
        required=False, default=None, allow_null=True,
    )


class _SessionDetailsSerializer(_TableInputSerializer):
    title = serializers.CharField(max_length=Session._meta.get_field("title").max_length)
    place = serializers.CharField(max_length=Session._meta.get_field("place").max_length,
                                  required=False, allow_blank=True, default="")
    online_url = serializers.URLField(max_length=Session._meta.get_field("online_url").max_length,
                                      required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=Session._meta.get_field("description").max_length,
                                        required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(
        required=False, default=True,
        help_text="At a table visible to non-members, anyone can see this session and its "
        "agreements; otherwise only the table's members.",
    )
    quorum = serializers.IntegerField(
        min_value=1, max_value=_SMALL_INT_MAX, required=False, allow_null=True, default=None,
        help_text="Members needed for quorum. Empty: a plenary needs more than half of the table's "
        "members; a subcommittee session has no quorum rule.",
    )
    invited_institutions = _invited_field()

    def validate_invited_institutions(self, value):
        if value is None or self.table is None:
            return value
        return resolve_ids(Institution.objects.filter(table=self.table), value, _INSTITUTIONS_OF_TABLE)


class SessionCreateSerializer(_SessionDetailsSerializer):
    """A new plenary (no subcommittee) or subcommittee session, at a time on the table's clocks."""

    table = TableField()
    subcommittee = SlugInputField(
        required=False, allow_null=True, default=None,
        help_text="The slug of one of the table's subcommittees; leave it out for a plenary.",
    )
    starts_at = WallClockDateTimeField()
    ends_at = WallClockDateTimeField()


class SessionUpdateSerializer(_SessionDetailsSerializer):
    """The details of a session (used with partial=True: what is left out keeps
    its value); its time changes only through reschedule."""


class RescheduleSerializer(_TableInputSerializer):
    """The new time, on the table's clocks unless an offset is given."""

    starts_at = WallClockDateTimeField()
    ends_at = WallClockDateTimeField()
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH,
                                   help_text="Why the session is moved; attendees see it.")


class MeetingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH)


class RsvpSerializer(serializers.Serializer):
    answer = _rsvp_answer_field()


class AttendanceSerializer(_TableInputSerializer):
    """The whole record, replacing an earlier one."""

    attendees = ids_field("User ids of the table's members who attended.", max_length=_MAX_ATTENDEES)
    institutions = ids_field("Ids of the table's institutions that were present.")

    def validate_attendees(self, value):
        return resolve_ids(User.objects.filter(memberships__table=self.table).distinct(), value,
                           _("Record only members of this table."))

    def validate_institutions(self, value):
        return resolve_ids(Institution.objects.filter(table=self.table), value, _INSTITUTIONS_OF_TABLE)


def _readable_concerns(user, table):
    return Concern.objects.visible_to(user).filter(table=table)


def _readable_proposals(user, table):
    return Proposal.objects.visible_to(user).filter(table=table)


class AgendaItemCreateSerializer(_TableInputSerializer):
    """Linked concerns and proposals must be of the session's table and readable by you."""

    title = serializers.CharField(max_length=AgendaItem._meta.get_field("title").max_length)
    description = serializers.CharField(
        max_length=AgendaItem._meta.get_field("description").max_length, required=False,
        allow_blank=True, default="",
    )
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False,
                                                allow_null=True, default=None)
    concerns = ids_field("Ids of concerns raised at this table.")
    proposals = ids_field("Ids of submitted proposals of this table.")

    def validate_concerns(self, value):
        return resolve_ids(_readable_concerns(self.user, self.table), value, _CONCERNS_OF_TABLE)

    def validate_proposals(self, value):
        return resolve_ids(_readable_proposals(self.user, self.table), value, _PROPOSALS_OF_TABLE)


_MINUTES_MAX_LENGTH = Minutes._meta.get_field("text").max_length


class MinutesTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=_MINUTES_MAX_LENGTH)


class MinutesCorrectionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=_MINUTES_MAX_LENGTH,
                                 help_text="The whole corrected text.")
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH,
                                   help_text="What the correction changes and why.")


# --- Agreements ----------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    session = SessionLinkSerializer(read_only=True)
    concerns = serializers.SerializerMethodField(
        help_text="Linked concerns you may read (others are left out)."
    )
    proposals = serializers.SerializerMethodField(
        help_text="Linked proposals you may read (others are left out)."
    )
    responsible_institutions = MeetingInstitutionSerializer(many=True, read_only=True)
    recorded_at = LocalDateTimeField(source="created_at")
    withdrawn_at = LocalDateTimeField(allow_null=True)

    class Meta:
        model = Agreement
        fields = ["id", "code", "number", "session", "table", "text", "concerns", "proposals",
                  "responsible_institutions", "recorded_at", "withdrawn_at", "withdrawal_reason"]
        read_only_fields = fields

    @extend_schema_field(ConcernLinkSerializer(many=True))
    def get_concerns(self, agreement: Agreement) -> list:
        return ConcernLinkSerializer(getattr(agreement, "visible_concerns", []), many=True).data

    @extend_schema_field(ProposalLinkSerializer(many=True))
    def get_proposals(self, agreement: Agreement) -> list:
        return ProposalLinkSerializer(getattr(agreement, "visible_proposals", []), many=True).data


class AgreementCreateSerializer(_TableInputSerializer):
    """Every id must be of the session's table."""

    session = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                       help_text="The session at which it was agreed.")
    text = serializers.CharField(max_length=Agreement._meta.get_field("text").max_length)
    concerns = ids_field("Ids of concerns raised at the session's table.")
    proposals = ids_field("Ids of submitted proposals of the session's table; they become agreed.")
    responsible_institutions = ids_field("Ids of the table's institutions responsible for it.")

    def validate_concerns(self, value):
        return resolve_ids(_readable_concerns(self.user, self.table), value, _CONCERNS_OF_TABLE)

    def validate_proposals(self, value):
        return resolve_ids(_readable_proposals(self.user, self.table), value, _PROPOSALS_OF_TABLE)

    def validate_responsible_institutions(self, value):
        return resolve_ids(Institution.objects.filter(table=self.table), value, _INSTITUTIONS_OF_TABLE)


class AgreementSessionSerializer(serializers.Serializer):
    """Read first: the session must be one the requester may see."""

    session = serializers.IntegerField(min_value=1, max_value=MAX_ID)


# --- Proposals -----------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subcommittee = SubcommitteeLinkSerializer(read_only=True)
    institution = MeetingInstitutionSerializer(read_only=True, allow_null=True,
                                               help_text="The institution it is requested from.")
    concerns = serializers.SerializerMethodField(
        help_text="The concerns it comes from that you may read (others are left out)."
    )
    status = _proposal_status_field(read_only=True)
    session = SessionLinkSerializer(read_only=True, allow_null=True,
                                    help_text="The plenary it was submitted to.")
    created_at = LocalDateTimeField()
    updated_at = LocalDateTimeField()
    submitted_at = LocalDateTimeField(allow_null=True)
    decided_at = LocalDateTimeField(allow_null=True)

    class Meta:
        model = Proposal
        fields = ["id", "table", "subcommittee", "title", "request", "institution", "quantity", "unit",
                  "concerns", "status", "session", "decision_note", "created_at", "updated_at",
                  "submitted_at", "decided_at"]
        read_only_fields = fields

    @extend_schema_field(ConcernLinkSerializer(many=True))
    def get_concerns(self, proposal: Proposal) -> list:
        return ConcernLinkSerializer(getattr(proposal, "visible_concerns", []), many=True).data


class ProposalHeadSerializer(serializers.Serializer):
    """Read first, so that someone who may not draft learns nothing from the
    errors of the rest of the body."""

    table = TableField()
    subcommittee = SlugInputField(help_text="The slug of one of the table's subcommittees.")


class _ProposalFieldsSerializer(_TableInputSerializer):
    title = serializers.CharField(max_length=Proposal._meta.get_field("title").max_length)
    request = serializers.CharField(max_length=Proposal._meta.get_field("request").max_length,
                                    help_text="What is requested.")
    institution = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="Id of the table's institution it is requested from.",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True,
                                        default=None, help_text="Where it fits, e.g. 200.")
    unit = serializers.CharField(max_length=Proposal._meta.get_field("unit").max_length, required=False,
                                 allow_blank=True, default="",
                                 help_text="What the quantity counts, e.g. public prosecutors.")
    concerns = ids_field("Ids of the concerns of this table it comes from (at least one).",
                         required=True, default=serializers.empty)

    def validate_institution(self, value):
        if value is None:
            return None
        return resolve_ids(Institution.objects.filter(table=self.table), [value],
                           _INSTITUTIONS_OF_TABLE)[0]

    def validate_concerns(self, value):
        return resolve_ids(_readable_concerns(self.user, self.table), value, _CONCERNS_OF_TABLE)


class ProposalCreateSerializer(_ProposalFieldsSerializer):
    """A draft of a subcommittee, named by the table's slug and the subcommittee's slug."""

    table = TableField()
    subcommittee = SlugInputField(help_text="The slug of one of the table's subcommittees.")


class ProposalUpdateSerializer(_ProposalFieldsSerializer):
    """A draft's fields (used with partial=True: those left out keep their value)."""


class ProposalSubmitSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                       help_text="An upcoming plenary of the proposal's table.")


class ProposalDecideSerializer(serializers.Serializer):
    status = NamedChoiceField(
        enum_name="ProposalDecisionEnum",
        choices=[(ProposalStatus.DISCUSSED.value, ProposalStatus.DISCUSSED.label),
                 (ProposalStatus.REJECTED.value, ProposalStatus.REJECTED.label)],
        help_text="discussed: the plenary discussed it (and may come back to it); rejected: a note "
        "saying why is required. Agreeing is recording an agreement that adopts it.",
    )
    note = serializers.CharField(max_length=_REASON_MAX_LENGTH, required=False, allow_blank=True,
                                 default="")
