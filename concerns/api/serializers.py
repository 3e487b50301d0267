"""Shapes of the concerns API. Input serializers check shape only (the services
decide what the current state allows, concerns.permissions who may ask).

Who raised a concern is never read from ``concern.reporter`` here: every
output goes through the request's ReporterVisibility (in the context as
``reporter_visibility``), so a restricted concern's reporter appears only to
the people the rule names, and an anonymous one's to nobody. The reporter is
shown by display name only, never by id or email. Supporters are never listed.
"""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concerns import permissions as concern_permissions
from concerns.api.schema import NamedChoiceField
from concerns.models import (
    DESCRIPTION_MAX_LENGTH,
    Answer,
    Colonia,
    Concern,
    ConcernEvent,
    Rating,
    Reply,
    Status,
    Visibility,
)
from concerns.permissions import ReporterVisibility
from mesa.api.base import TableField
from mesa.models import Institution, Organisation
from subcommittees.models import Subcommittee

_REASON_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
_COMMENT_MAX_LENGTH = Rating._meta.get_field("comment").max_length


# Timeline steps whose note is shown (as on the pages): the others carry ids or internal words.
_NOTED_KINDS = frozenset({ConcernEvent.Kind.STATUS, ConcernEvent.Kind.ROUTED, ConcernEvent.Kind.ASSIGNED,
                          ConcernEvent.Kind.ANSWERED, ConcernEvent.Kind.REOPENED})
# Why something was hidden: only for the moderators and the reporter (as on the pages).
_MODERATION_KINDS = frozenset({ConcernEvent.Kind.HIDDEN})


def _visibility_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="ConcernVisibilityEnum", choices=Visibility.choices, **kwargs)


def _status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="ConcernStatusEnum", choices=Status.choices, **kwargs)


# --- Output ------------------------------------------------------------------------


class NameSerializer(serializers.Serializer):
    """A person by display name only: never the id or the email address."""

    display_name = serializers.CharField(read_only=True)


def _name(display_name: str | None) -> dict | None:
    return None if display_name is None else {"display_name": display_name}


class SubcommitteeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(
        read_only=True, help_text="In the language of the request, falling back to the other one."
    )


class InstitutionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "acronym"]
        read_only_fields = fields


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]
        read_only_fields = fields


class ConcernSerializer(serializers.ModelSerializer):
    """A concern as lists show it."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subcommittee = SubcommitteeRefSerializer(read_only=True)
    colonia = serializers.CharField(
        source="colonia_name", read_only=True,
        help_text="The colonia's name, or the free text given when it is not on the table's list.",
    )
    accused_institutions = InstitutionBriefSerializer(many=True, read_only=True)
    visibility = _visibility_field(read_only=True)
    status = _status_field(read_only=True)
    duplicate_of = serializers.SerializerMethodField(
        help_text="The concern this one was folded into, if it is a duplicate you may read the "
        "original of.",
    )
    hidden = serializers.BooleanField(
        source="is_hidden", read_only=True,
        help_text="Hidden by a coordinator (only its reporter, the subcommittee's coordinators "
        "and the secretariat can read a hidden concern).",
    )
    reporter = serializers.SerializerMethodField(
        help_text="Who raised it, only where you may know: always null for anonymous concerns, "
        "and for restricted ones unless you are its reporter, a coordinator of its subcommittee, "
        "the table's secretariat or (with the reporter's consent) an official of an accused "
        "institution.",
    )

    class Meta:
        model = Concern
        fields = [
            "id",
            "table",
            "subcommittee",
            "title",
            "description",
            "colonia",
            "happened_on",
            "place",
            "accused_institutions",
            "visibility",
            "status",
            "status_reason",
            "support_count",
            "created_at",
            "first_answer_at",
            "duplicate_of",
            "hidden",
            "reporter",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_duplicate_of(self, concern: Concern) -> int | None:
        # The view lists the originals the requester may read (one query a page).
        if concern.duplicate_of_id in self.context.get("readable_originals", ()):
            return concern.duplicate_of_id
        return None

    @extend_schema_field(NameSerializer(allow_null=True))
    def get_reporter(self, concern: Concern) -> dict | None:
        # No default: without the request's rule nothing is shown (fail closed).
        visibility: ReporterVisibility = self.context["reporter_visibility"]
        return _name(visibility.reporter_name(concern))


class MyRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["score", "comment", "updated_at"]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    institution = InstitutionBriefSerializer(read_only=True)
    author = serializers.SerializerMethodField(
        help_text="The official who wrote it, for the table's members; null for everyone else."
    )
    my_rating = serializers.SerializerMethodField(help_text="Your rating of this answer, if any.")

    class Meta:
        model = Answer
        fields = ["id", "institution", "text", "created_at", "author", "my_rating"]
        read_only_fields = fields

    @extend_schema_field(NameSerializer(allow_null=True))
    def get_author(self, answer: Answer) -> dict | None:
        # Shown or not by the reader alone, never by who the author is: a null
        # author only where the reporter wrote it would name the reporter.
        if not self.context.get("show_member_names"):
            return None
        return _name(answer.author.display_name)

    @extend_schema_field(MyRatingSerializer(allow_null=True))
    def get_my_rating(self, answer: Answer) -> dict | None:
        rating = self.context.get("my_ratings", {}).get(answer.pk)
        return None if rating is None else MyRatingSerializer(rating).data


class ReplySerializer(serializers.ModelSerializer):
    by_reporter = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(
        help_text="Null when the reply was hidden by the table's moderators and you are "
        "neither its reporter nor one of those who moderate it.")
    hidden = serializers.SerializerMethodField(
        help_text="Whether the table's moderators hid the reply (hidden, not deleted).")

    class Meta:
        model = Reply
        fields = ["text", "created_at", "by_reporter", "hidden"]
        read_only_fields = fields

    def get_by_reporter(self, reply: Reply) -> bool:
        concern: Concern = self.context["concern"]
        return reply.author_id is None or reply.author_id == concern.reporter_id

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_text(self, reply: Reply) -> str | None:
        if reply.is_hidden and not self.context.get("sees_hidden_replies", False):
            return None
        return reply.text

    def get_hidden(self, reply: Reply) -> bool:
        return reply.is_hidden


class EventSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(enum_name="ConcernEventKindEnum", choices=ConcernEvent.Kind.choices,
                            read_only=True)
    from_status = serializers.SerializerMethodField()
    to_status = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField(
        help_text="Who took the step. The reporter's own steps (by_reporter) only where you may know "
        "who raised the concern; other steps for the table's members; null otherwise."
    )

    class Meta:
        model = ConcernEvent
        fields = ["kind", "created_at", "from_status", "to_status", "by_reporter", "actor", "note"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_note(self, event: ConcernEvent) -> str:
        """What the pages show: a consent step says given or withdrawn; reasons, institutions
        and subcommittees for the steps in _NOTED_KINDS; nothing for others (ids, internal words)."""
        if event.kind == ConcernEvent.Kind.CONSENT:
            return gettext("given") if event.note == "given" else gettext("withdrawn")
        if event.kind in _MODERATION_KINDS and self.context.get("sees_moderation_notes"):
            return event.note
        return event.note if event.kind in _NOTED_KINDS else ""

    @extend_schema_field(_status_field(allow_null=True))
    def get_from_status(self, event: ConcernEvent) -> str | None:
        return event.from_status or None

    @extend_schema_field(_status_field(allow_null=True))
    def get_to_status(self, event: ConcernEvent) -> str | None:
        return event.to_status or None

    @extend_schema_field(NameSerializer(allow_null=True))
    def get_actor(self, event: ConcernEvent) -> dict | None:
        concern: Concern = self.context["concern"]
        if event.actor_id is None:
            return None
        if event.by_reporter:
            # The reporter's own steps (raising, replying, consenting ...) name
            # them only where the reporter rule allows.
            return _name(self.context["reporter_visibility"].reporter_name(concern))
        # Others' steps (triage, answers) by the reader alone, never by who acted:
        # hiding only the steps a coordinator took on a concern they raised
        # would point at them.
        if not self.context.get("show_member_names"):
            return None
        return _name(event.actor.display_name)


class ConcernDetailSerializer(ConcernSerializer):
    """A concern with its answers, the reporter's replies and its timeline."""

    answers = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    endorsements = serializers.SerializerMethodField(
        help_text="Organisations that endorse a public concern (never listed for restricted "
        "or anonymous ones)."
    )
    consent_to_accused = serializers.SerializerMethodField(
        help_text="Whether the reporter of a restricted concern lets officials of the accused "
        "institutions know who they are; null where you may not know who the reporter is."
    )

    class Meta(ConcernSerializer.Meta):
        fields = [*ConcernSerializer.Meta.fields, "consent_to_accused", "answers", "replies",
                  "timeline", "endorsements"]
        read_only_fields = fields

    def _child_context(self, concern: Concern) -> dict:
        return {**self.context, "concern": concern}

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, concern: Concern) -> list:
        return AnswerSerializer(concern.answers.all(), many=True,
                                context=self._child_context(concern)).data

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, concern: Concern) -> list:
        replies = list(concern.replies.all())
        context = self._child_context(concern)
        # Hidden replies' text: the reporter (or the receipt holder) and those who may triage.
        if any(reply.is_hidden for reply in replies):
            user = getattr(self.context.get("request"), "user", None)
            context["sees_hidden_replies"] = bool(
                self.context.get("receipt_holder")
                or (user is not None and (concern_permissions.is_reporter(user, concern)
                                          or concern_permissions.can_triage(user, concern))))
        return ReplySerializer(replies, many=True, context=context).data

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, concern: Concern) -> list:
        events = concern.events.all()
        if not self.context["reporter_visibility"].can_see(concern):
            # Whether the reporter lets the accused know them is the reporter's business.
            events = [e for e in events if e.kind != ConcernEvent.Kind.CONSENT]
        context = self._child_context(concern)
        user = getattr(self.context.get("request"), "user", None)
        context["sees_moderation_notes"] = bool(
            self.context.get("receipt_holder")
            or (user is not None and (concern_permissions.is_reporter(user, concern)
                                      or concern_permissions.can_triage(user, concern))))
        return EventSerializer(events, many=True, context=context).data

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_consent_to_accused(self, concern: Concern) -> bool | None:
        if not self.context["reporter_visibility"].can_see(concern):
            return None
        return concern.consent_to_accused_at is not None

    @extend_schema_field(OrganisationBriefSerializer(many=True))
    def get_endorsements(self, concern: Concern) -> list:
        return OrganisationBriefSerializer(self.context.get("endorsements", []), many=True).data


class ViewerSerializer(serializers.Serializer):
    """What the requester has done and may do with this concern."""

    is_reporter = serializers.BooleanField()
    supporting = serializers.BooleanField()
    endorsing_organisation = serializers.IntegerField(
        allow_null=True, help_text="The organisation your support is given in the name of, if any."
    )
    following = serializers.BooleanField()
    can_support = serializers.BooleanField()
    can_follow = serializers.BooleanField()
    can_triage = serializers.BooleanField()
    answer_as = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Institutions in whose name you may post an official answer.",
    )


class ConcernForViewerSerializer(ConcernDetailSerializer):
    viewer = serializers.SerializerMethodField()

    class Meta(ConcernDetailSerializer.Meta):
        fields = [*ConcernDetailSerializer.Meta.fields, "viewer"]
        read_only_fields = fields

    @extend_schema_field(ViewerSerializer)
    def get_viewer(self, concern: Concern) -> dict:
        return self.context["viewer"]


class ConcernCreatedSerializer(ConcernForViewerSerializer):
    receipt_code = serializers.SerializerMethodField(
        help_text="Anonymous concerns only: the code to follow the concern up without an account. "
        "Shown in this response and never again; keep it somewhere safe."
    )

    class Meta(ConcernForViewerSerializer.Meta):
        fields = [*ConcernForViewerSerializer.Meta.fields, "receipt_code"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_receipt_code(self, concern: Concern) -> str | None:
        return self.context.get("receipt_code")


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["answer", "score", "comment", "updated_at"]
        read_only_fields = fields


# --- Input ----------------------------------------------------------------------------


class ConcernHeadSerializer(serializers.Serializer):
    """Read first, so that someone who may not raise a concern learns nothing
    from the errors of the rest of the body."""

    table = TableField()
    visibility = _visibility_field()


class ConcernCreateSerializer(serializers.Serializer):
    """Ids must be of the named table (its working subcommittees, its active
    colonias, its institutions); anything else is "does not exist"."""

    table = TableField()
    subcommittee = serializers.PrimaryKeyRelatedField(queryset=Subcommittee.objects.none())
    title = serializers.CharField(max_length=Concern._meta.get_field("title").max_length)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    visibility = _visibility_field(
        help_text="public: everyone who may read the table's public concerns sees it and your "
        "name; restricted: the table's members read it, only the subcommittee's coordinators and "
        "the secretariat know it was you; anonymous: nothing links it to you, you get a receipt "
        "code instead. Public and restricted need membership of the table.",
    )
    colonia = serializers.PrimaryKeyRelatedField(
        queryset=Colonia.objects.none(), required=False, allow_null=True, default=None,
        help_text="One of the table's colonias; or leave it out and write colonia_other.",
    )
    colonia_other = serializers.CharField(
        max_length=Concern._meta.get_field("colonia_other").max_length, required=False,
        allow_blank=True, default="",
    )
    happened_on = serializers.DateField(required=False, allow_null=True, default=None)
    place = serializers.CharField(
        max_length=Concern._meta.get_field("place").max_length, required=False, allow_blank=True,
        default="",
    )
    accused_institutions = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Institution.objects.none(), required=False, default=list,
        help_text="Active institutions of the table the concern is about.",
    )
    consent_to_accused = serializers.BooleanField(
        required=False, default=False,
        help_text="Restricted concerns: let officials of the accused institutions know who you are.",
    )

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        if table is not None:
            self.fields["subcommittee"].queryset = Subcommittee.objects.active().filter(table=table)
            self.fields["colonia"].queryset = Colonia.objects.filter(table=table, is_active=True)
            self.fields["accused_institutions"].child_relation.queryset = (
                Institution.objects.filter(table=table, is_active=True)
            )

    def validate_accused_institutions(self, value):
        if len(value) > 20:
            raise serializers.ValidationError(_("Name at most 20 institutions."))
        return list(dict.fromkeys(value))

    def validate_happened_on(self, value):
        if value is not None and self.table is not None:
            if value > timezone.localdate(timezone=self.table.zone):
                raise serializers.ValidationError(_("The date of the events cannot be in the future."))
        return value

    def validate(self, attrs):
        if attrs.get("colonia") is not None and attrs.get("colonia_other", "").strip():
            raise serializers.ValidationError(
                {"colonia_other": [_("Choose a colonia from the list or write another one, not both.")]}
            )
        return attrs


class SupportSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True, default=None,
        help_text="To endorse it in the name of an organisation you represent.",
    )

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, **kwargs)
        if table is not None:
            self.fields["organisation"].queryset = Organisation.objects.filter(table=table)


class AnswerCreateSerializer(serializers.Serializer):
    institution = serializers.IntegerField(
        min_value=1, help_text="An assigned institution you are a verified official of."
    )
    text = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)

    def __init__(self, *args, allowed_institution_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_institution_ids = set(allowed_institution_ids)

    def validate_institution(self, value):
        if value not in self.allowed_institution_ids:
            raise serializers.ValidationError(
                _("Choose an institution that was asked to answer and that you are an official of.")
            )
        return value


class StatusSerializer(serializers.Serializer):
    status = _status_field()
    reason = serializers.CharField(
        max_length=_REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
        help_text="Required to reject; the reporter sees it.",
    )


class AssignSerializer(serializers.Serializer):
    institutions = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Institution.objects.none(), allow_empty=False,
        help_text="Institutions of the table asked to answer (added to those already asked).",
    )

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, **kwargs)
        if table is not None:
            self.fields["institutions"].child_relation.queryset = Institution.objects.filter(
                table=table, is_active=True
            )

    def validate_institutions(self, value):
        if len(value) > 20:
            raise serializers.ValidationError(_("Name at most 20 institutions."))
        return list(dict.fromkeys(value))


class RerouteSerializer(serializers.Serializer):
    subcommittee = serializers.PrimaryKeyRelatedField(queryset=Subcommittee.objects.none())
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH)

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, **kwargs)
        if table is not None:
            self.fields["subcommittee"].queryset = Subcommittee.objects.active().filter(table=table)


class DuplicateSerializer(serializers.Serializer):
    original = serializers.PrimaryKeyRelatedField(
        queryset=Concern.objects.none(), help_text="A concern of the same table you can read."
    )

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["original"].queryset = queryset


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=_REASON_MAX_LENGTH)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)


class ConsentSerializer(serializers.Serializer):
    consent = serializers.BooleanField(
        help_text="true: officials of the accused institutions may know who you are; false: they may not."
    )


class RatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=_COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# --- Receipt follow-up --------------------------------------------------------------------
# The code is read by the view itself, so that a malformed code is answered
# exactly like a wrong one; these serializers describe the body for the schema
# and check the other fields once the code has opened a concern.

_CODE_HELP = "The receipt code given when the concern was raised (case, spaces and dashes do not matter)."


class ReceiptSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_CODE_HELP)


class ReceiptTextSerializer(ReceiptSerializer, TextSerializer):
    pass


class ReceiptReasonSerializer(ReceiptSerializer, ReasonSerializer):
    pass


class AnswerRatingSerializer(RatingInputSerializer):
    answer = serializers.IntegerField(min_value=1, help_text="One of the concern's official answers.")


class ReceiptRatingSerializer(ReceiptSerializer, AnswerRatingSerializer):
    pass
