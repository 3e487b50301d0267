"""Shapes of the commitments API.

Input serializers check shape only: commitments.services decide what the
current state allows (due dates, quantities, withdrawn commitments),
commitments.permissions who may ask. Ids sent in a body are looked up only
among the records of the commitment's table, so an id of another table is a
400 naming the field, never a 500 and never a hint that the record exists.

People: officials, authors of updates and comments and whoever moved a due
date are shown by name to the table's members only (the view puts the ids of
the tables the requester is a member of in the context as
``member_table_ids``); everyone else gets null. Whether a name shows depends
on the reader alone, never on who the person is.

Evidence files are never given by their stored path: each carries the
address of the page that serves it after checking who asks.

Dates (due dates, dates of actions) are days on the table's calendar; moments
are shown on the table's clocks, with the offset.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from commitments.models import (
    ActionUpdate,
    Commitment,
    CommitmentStatus,
    DueDateChange,
    UpdateComment,
    UpdateEvidence,
    Verdict,
)
from concerns.api.schema import NamedChoiceField
from meetings.api.serializers import (
    MAX_ID,
    LocalDateTimeField,
    MeetingInstitutionSerializer,
    SessionLinkSerializer,
    ids_field,
    resolve_ids,
)
from meetings.models import Agreement, Session
from mesa.api.base import PersonSerializer
from mesa.models import Institution, Table

_INSTITUTIONS_OF_TABLE = _("Choose only institutions of this table.")
_REASON_MAX_LENGTH = 2000
# Python and JSON integers have no bound; PostgreSQL's do. Beyond this the
# services' own bounds (QUANTITY_MAX) answer with a clearer message.
_INT_MAX = 2**31 - 1


def _status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="CommitmentStatusEnum", choices=CommitmentStatus.choices, **kwargs)


def _shows_names(context: dict, table_id: int) -> bool:
    return table_id in context.get("member_table_ids", ())


def _person(context: dict, table_id: int, user) -> dict | None:
    if user is None or not _shows_names(context, table_id):
        return None
    return {"id": user.pk, "display_name": user.display_name}


# --- Output --------------------------------------------------------------------------------


class AgreementLinkSerializer(serializers.ModelSerializer):
    session = SessionLinkSerializer(read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "code", "session"]
        read_only_fields = fields


class DueDateChangeSerializer(serializers.ModelSerializer):
    agreed_at = SessionLinkSerializer(read_only=True, allow_null=True,
                                      help_text="The session where the table agreed to the new date.")
    changed_by = serializers.SerializerMethodField(
        help_text="Who recorded the move, for the table's members; null for everyone else."
    )
    recorded_at = LocalDateTimeField(source="created_at", zone_from="commitment.table")

    class Meta:
        model = DueDateChange
        fields = ["previous_due_on", "new_due_on", "reason", "agreed_at", "agreed_by", "changed_by",
                  "recorded_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_changed_by(self, change: DueDateChange) -> dict | None:
        return _person(self.context, change.commitment.table_id, change.changed_by)


class CommitmentSerializer(serializers.ModelSerializer):
    """A commitment as lists show it. The view annotates `overdue`, `overdue_days` and the
    review counts (see CommitmentViewSet.get_queryset)."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement = AgreementLinkSerializer(read_only=True)
    institution = MeetingInstitutionSerializer(read_only=True,
                                               help_text="The responsible institution.")
    co_responsible = MeetingInstitutionSerializer(
        many=True, read_only=True,
        help_text="Institutions at other levels of government the agreement also names.",
    )
    responsible_officials = serializers.SerializerMethodField(
        help_text="Named for the table's members; null for everyone else."
    )
    status = _status_field(read_only=True)
    overdue = serializers.BooleanField(
        read_only=True, help_text="Open or in progress and past its due date on the table's calendar."
    )
    days_overdue = serializers.IntegerField(source="overdue_days", read_only=True,
                                            help_text="0 unless overdue.")
    due_date_moved = serializers.BooleanField(read_only=True)
    delivered_share = serializers.FloatField(
        read_only=True, allow_null=True,
        help_text="Delivered over requested (or over committed when nothing was requested); null "
        "when nothing is counted.",
    )
    reviews_confirmed = serializers.IntegerField(
        read_only=True, help_text="Members who confirm the delivery the institution reports."
    )
    reviews_disputed = serializers.IntegerField(
        read_only=True, help_text="Members who dispute it."
    )
    time_zone = serializers.CharField(source="table.time_zone", read_only=True,
                                      help_text="The table's time zone (IANA name): dates are days there.")
    status_changed_at = LocalDateTimeField(allow_null=True)
    fulfilled_at = LocalDateTimeField(allow_null=True)
    first_update_at = LocalDateTimeField(allow_null=True)
    recorded_at = LocalDateTimeField(source="created_at")
    updated_at = LocalDateTimeField()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "code",
            "number",
            "table",
            "agreement",
            "institution",
            "co_responsible",
            "responsible_officials",
            "description",
            "due_on",
            "original_due_on",
            "due_date_moved",
            "time_zone",
            "status",
            "status_reason",
            "overdue",
            "days_overdue",
            "unit",
            "requested",
            "committed",
            "delivered",
            "delivered_share",
            "reviews_confirmed",
            "reviews_disputed",
            "status_changed_at",
            "fulfilled_at",
            "first_update_at",
            "recorded_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True, allow_null=True))
    def get_responsible_officials(self, commitment: Commitment) -> list | None:
        if not _shows_names(self.context, commitment.table_id):
            return None
        return [{"id": u.pk, "display_name": u.display_name} for u in commitment.responsible_officials.all()]


class CommitmentViewerSerializer(serializers.Serializer):
    """What the requester may do with this commitment."""

    can_manage = serializers.BooleanField(help_text="Edit, move the due date, set the status.")
    can_post_update = serializers.BooleanField()
    can_review = serializers.BooleanField(
        help_text="Confirm or dispute the delivery (once the due date has come, see review_open)."
    )
    review_open = serializers.BooleanField(
        help_text="Whether deliveries may be confirmed or disputed now."
    )
    my_review = NamedChoiceField(enum_name="CommitmentVerdictEnum", choices=Verdict.choices,
                                 read_only=True, allow_null=True,
                                 help_text="Your verdict on the delivery, if you gave one.")
    following = serializers.BooleanField(help_text="Whether you follow it (hear of its action updates).")


class CommitmentDetailSerializer(CommitmentSerializer):
    """A commitment with its due-date moves and what the requester may do.
    The view puts ``viewer`` (a dict) in the context."""

    due_date_changes = DueDateChangeSerializer(many=True, read_only=True,
                                               help_text="Every move of the due date, oldest first.")
    viewer = serializers.SerializerMethodField()

    class Meta(CommitmentSerializer.Meta):
        fields = [*CommitmentSerializer.Meta.fields, "due_date_changes", "viewer"]
        read_only_fields = fields

    @extend_schema_field(CommitmentViewerSerializer)
    def get_viewer(self, commitment: Commitment) -> dict:
        return CommitmentViewerSerializer(self.context["viewer"]).data


class UpdateEvidenceSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(enum_name="UpdateEvidenceKindEnum", choices=UpdateEvidence.Kind.choices,
                            read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField(
        help_text="The page that serves the file to those who may see the commitment."
    )
    uploaded_at = LocalDateTimeField(source="created_at", zone_from="update.commitment.table")

    class Meta:
        model = UpdateEvidence
        fields = ["id", "kind", "content_type", "size", "name", "url", "uploaded_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, evidence: UpdateEvidence) -> str:
        path = reverse("commitments:evidence-file",
                       kwargs={"table_slug": evidence.update.commitment.table.slug, "pk": evidence.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class UpdateCommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="The coordinator or secretariat member who wrote it, for the table's members; null "
        "for everyone else."
    )
    posted_at = LocalDateTimeField(source="created_at", zone_from="update.commitment.table")

    class Meta:
        model = UpdateComment
        fields = ["id", "text", "author", "posted_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, comment: UpdateComment) -> dict | None:
        return _person(self.context, comment.update.commitment.table_id, comment.author)


class ActionUpdateSerializer(serializers.ModelSerializer):
    """An action update (avance), its evidence and the comments on it. Never changed:
    a correction is a new update naming the one it corrects."""

    institution = MeetingInstitutionSerializer(read_only=True)
    author = serializers.SerializerMethodField(
        help_text="The official who posted it, for the table's members; null for everyone else."
    )
    corrects = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The id of the update this one corrects."
    )
    evidence = UpdateEvidenceSerializer(many=True, read_only=True)
    comments = UpdateCommentSerializer(many=True, read_only=True)
    posted_at = LocalDateTimeField(source="created_at", zone_from="commitment.table")

    class Meta:
        model = ActionUpdate
        fields = ["id", "text", "action_on", "delivered_change", "corrects", "institution", "author",
                  "evidence", "comments", "posted_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, update: ActionUpdate) -> dict | None:
        return _person(self.context, update.commitment.table_id, update.author)


# --- Input ---------------------------------------------------------------------------------


class _TableInputSerializer(serializers.Serializer):
    """Input about one table's records: ids are looked up only there."""

    def __init__(self, *args, table: Table | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table

    def _institutions(self, ids: list[int]) -> list[Institution]:
        return resolve_ids(Institution.objects.filter(table=self.table), ids, _INSTITUTIONS_OF_TABLE)

    def _members(self, ids: list[int]) -> list:
        return resolve_ids(User.objects.filter(memberships__table=self.table).distinct(), ids,
                           _("Choose only officials of this table."))


def _quantity_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=-_INT_MAX, max_value=_INT_MAX, required=False,
                                    allow_null=True, default=None, help_text=help_text)


class _CommitmentFieldsSerializer(_TableInputSerializer):
    description = serializers.CharField(max_length=Commitment._meta.get_field("description").max_length,
                                        help_text="What was committed.")
    co_responsible = ids_field("Ids of institutions the agreement names, at other levels of government "
                               "than the responsible institution.")
    responsible_officials = ids_field("User ids of verified officials of the responsible institution.")
    unit = serializers.CharField(max_length=Commitment._meta.get_field("unit").max_length, required=False,
                                 allow_blank=True, default="",
                                 help_text="What is counted, e.g. public prosecutors; empty if nothing is.")
    requested = _quantity_field("How many were requested (needs a unit), e.g. 200.")
    committed = _quantity_field("How many the institution committed to (needs a unit), e.g. 40.")

    def validate_co_responsible(self, value):
        return self._institutions(value)

    def validate_responsible_officials(self, value):
        return self._members(value)


class CommitmentAgreementSerializer(serializers.Serializer):
    """Read first: the agreement must be one the requester may see."""

    agreement = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CommitmentCreateSerializer(_CommitmentFieldsSerializer):
    """A commitment under an agreement. Every id must be of the agreement's table."""

    agreement = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                         help_text="The agreement it comes from.")
    institution = serializers.IntegerField(
        min_value=1, max_value=MAX_ID,
        help_text="Id of the responsible institution: one the agreement names, if it names any.",
    )
    due_on = serializers.DateField(help_text="A day on the table's calendar, not before the agreement.")

    def validate_institution(self, value):
        return self._institutions([value])[0]


class CommitmentUpdateSerializer(_CommitmentFieldsSerializer):
    """What was committed and how much (used with partial=True: what is left out keeps
    its value). The due date and the status have their own actions; the institution
    never changes."""


class MoveDueDateSerializer(_TableInputSerializer):
    due_on = serializers.DateField(help_text="The new due date, not before the agreement.")
    reason = serializers.CharField(max_length=DueDateChange._meta.get_field("reason").max_length,
                                   help_text="Why it moves.")
    agreed_at = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="Id of the table's session where the new date was agreed, if it was agreed at one.",
    )
    agreed_by = serializers.CharField(max_length=DueDateChange._meta.get_field("agreed_by").max_length,
                                      required=False, allow_blank=True, default="",
                                      help_text="Who agreed to it, e.g. the plenary.")

    def validate_agreed_at(self, value):
        if value is None:
            return None
        return resolve_ids(Session.objects.filter(table=self.table), [value],
                           _("Choose a session of this table."))[0]


class CommitmentStatusSerializer(serializers.Serializer):
    status = _status_field()
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH, required=False, allow_blank=True,
                                   default="", help_text="Why; required to withdraw.")


class DeliveryReviewSerializer(serializers.Serializer):
    verdict = NamedChoiceField(enum_name="CommitmentVerdictEnum", choices=Verdict.choices)
    comment = serializers.CharField(max_length=_REASON_MAX_LENGTH, required=False, allow_blank=True,
                                    default="", help_text="Required to dispute.")


class ActionUpdateCreateSerializer(serializers.Serializer):
    """An action update in the name of the commitment's institution. JSON, or
    multipart/form-data to attach evidence files."""

    text = serializers.CharField(max_length=ActionUpdate._meta.get_field("text").max_length,
                                 help_text="What was done.")
    action_on = serializers.DateField(help_text="The day of the action: not in the future, not "
                                      "before the agreement.")
    delivered_change = serializers.IntegerField(
        min_value=-_INT_MAX, max_value=_INT_MAX, required=False, default=0,
        help_text="How many more were delivered; negative only in a correction.",
    )
    corrects = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="Id of an earlier update of this commitment that this one corrects.",
    )
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text="Photos (JPEG, PNG, WebP), PDFs or audio recordings (multipart only). Photos are "
        "stored without their metadata.",
    )

    def __init__(self, *args, commitment: Commitment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment

    def validate_corrects(self, value):
        if value is None:
            return None
        return resolve_ids(ActionUpdate.objects.filter(commitment=self.commitment), [value],
                           _("Choose an update of this commitment."))[0]


class UpdateCommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=UpdateComment._meta.get_field("text").max_length)
