"""Shapes of the core API. Serializers check the input's shape only; the
services decide whether a change is allowed in the current state, and the
views decide (through mesa.permissions) who may ask for it.
"""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mesa import permissions
from mesa.api.base import TEXT_MAX_LENGTH, PersonSerializer, TableField
from mesa.models import (
    Institution,
    Invitation,
    Membership,
    MembershipChange,
    Organisation,
    Role,
    Table,
)

# --- Tables ------------------------------------------------------------------------


class TableMemberCountsSerializer(serializers.Serializer):
    """Active members by the role they act in: an official's or representative's
    claim counts as a citizen until the secretariat verifies it."""

    citizen = serializers.IntegerField()
    representative = serializers.IntegerField()
    official = serializers.IntegerField()
    coordinator = serializers.IntegerField()
    secretariat = serializers.IntegerField()


class TablePermissionsSerializer(serializers.Serializer):
    """What the requester may do at this table (mesa.permissions.table_permissions)."""

    is_member = serializers.BooleanField()
    view_content = serializers.BooleanField()
    view_member_list = serializers.BooleanField()
    manage_members = serializers.BooleanField()
    manage_subcommittees = serializers.BooleanField()
    manage_institutions = serializers.BooleanField()
    change_table = serializers.BooleanField()
    act_as_official = serializers.BooleanField()
    join = serializers.BooleanField()
    coordinates = serializers.BooleanField()


class MyMembershipSerializer(serializers.ModelSerializer):
    """The requester's own place at a table."""

    verified = serializers.BooleanField(source="is_verified", read_only=True)
    pending_verification = serializers.BooleanField(source="is_pending_verification", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "verified", "pending_verification", "joined_at"]
        read_only_fields = fields


# One count per role, read from annotations the view adds (see TableViewSet).
MEMBER_COUNT_ROLES: tuple[str, ...] = tuple(Role.values)


class TableSerializer(serializers.ModelSerializer):
    """A table's public information, plus the requester's place at it."""

    member_counts = serializers.SerializerMethodField()
    my_membership = serializers.SerializerMethodField(
        help_text="Your active membership of this table, or null if you are not a member."
    )
    my_permissions = serializers.SerializerMethodField()

    class Meta:
        model = Table
        fields = [
            "slug",
            "name",
            "city",
            "state",
            "country",
            "description",
            "time_zone",
            "default_language",
            "is_public",
            "dashboard_is_public",
            "agenda_notice_days",
            "member_counts",
            "my_membership",
            "my_permissions",
        ]
        read_only_fields = fields

    @extend_schema_field(TableMemberCountsSerializer)
    def get_member_counts(self, table: Table) -> dict:
        return {role: getattr(table, f"members_{role}", 0) for role in MEMBER_COUNT_ROLES}

    @extend_schema_field(MyMembershipSerializer(allow_null=True))
    def get_my_membership(self, table: Table) -> dict | None:
        membership = self.context.get("my_memberships", {}).get(table.pk)
        return None if membership is None else MyMembershipSerializer(membership).data

    @extend_schema_field(TablePermissionsSerializer)
    def get_my_permissions(self, table: Table) -> dict:
        # The view prefetched the requester's permissions on the page's tables,
        # so this asks the database nothing more.
        return asdict(permissions.table_permissions(self.context["request"].user, table))


class TableUpdateSerializer(serializers.ModelSerializer):
    """What the secretariat may change about its table (mesa.services.table_update)."""

    class Meta:
        model = Table
        fields = ["name", "city", "state", "description", "time_zone", "default_language", "is_public",
                  "agenda_notice_days"]
        extra_kwargs = {"description": {"max_length": TEXT_MAX_LENGTH},
                        "agenda_notice_days": {"max_value": 60}}


# --- Institutions and organisations ---------------------------------------------------


class InstitutionSerializer(serializers.ModelSerializer):
    table = TableField()

    class Meta:
        model = Institution
        fields = ["id", "table", "name", "acronym", "level", "is_active"]
        # Uniqueness of the name within a table is checked by the model
        # (through mesa.services.institution_save), in one place.
        validators: list = []


class InstitutionUpdateSerializer(InstitutionSerializer):
    """An institution never moves to another table."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class OrganisationSerializer(serializers.ModelSerializer):
    table = TableField()

    class Meta:
        model = Organisation
        fields = ["id", "table", "name", "kind", "is_active"]
        validators: list = []


class OrganisationUpdateSerializer(OrganisationSerializer):
    """An organisation never moves to another table."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class InstitutionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = ["id", "name", "acronym", "level"]
        read_only_fields = fields


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]
        read_only_fields = fields


# --- Memberships ------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    user = PersonSerializer(read_only=True)
    institution = InstitutionRefSerializer(read_only=True, allow_null=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    pending_verification = serializers.BooleanField(source="is_pending_verification", read_only=True)
    email = serializers.SerializerMethodField(
        help_text="Only for the table's secretariat; null for everyone else."
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "table",
            "user",
            "role",
            "institution",
            "organisation",
            "position",
            "verified",
            "pending_verification",
            "joined_at",
            "left_at",
            "email",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, membership: Membership) -> str | None:
        # The view works out once per request which tables' members the
        # requester manages (mesa.permissions.tables_for_user "manage_members").
        if membership.table_id in self.context.get("managed_table_ids", ()):
            return membership.user.email
        return None


class MembershipJoinSerializer(serializers.Serializer):
    """Join a table as yourself. Which roles you may claim is the service's rule."""

    table = TableField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.CITIZEN)
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.filter(is_active=True), required=False, allow_null=True,
        help_text="Required to join as an official.",
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_active=True), required=False, allow_null=True,
        help_text="Required to join as a representative.",
    )
    position = serializers.CharField(
        max_length=Membership._meta.get_field("position").max_length, required=False,
        allow_blank=True, default="",
    )


_NOTE_MAX_LENGTH = MembershipChange._meta.get_field("note").max_length


class MembershipRoleSerializer(serializers.Serializer):
    """The secretariat gives a member another role (mesa.services.membership_change_role)."""

    role = serializers.ChoiceField(choices=Role.choices)
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True, default=None
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    position = serializers.CharField(
        max_length=Membership._meta.get_field("position").max_length, required=False,
        allow_blank=True, help_text="Left as it is when omitted.",
    )
    note = serializers.CharField(
        max_length=_NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class MembershipRefuseSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=_NOTE_MAX_LENGTH, help_text="Why the claim is refused; the person is told."
    )


class MembershipEndSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=_NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# --- Invitations ---------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as the secretariat sees it. The token (the link) is only mailed."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    institution = InstitutionRefSerializer(read_only=True, allow_null=True)
    organisation = OrganisationRefSerializer(read_only=True, allow_null=True)
    invited_by = PersonSerializer(read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "table",
            "email",
            "role",
            "institution",
            "organisation",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "is_open",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    table = TableField()
    email = serializers.EmailField(max_length=Invitation._meta.get_field("email").max_length)
    role = serializers.ChoiceField(choices=Role.choices)
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.filter(is_active=True), required=False, allow_null=True,
        default=None,
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_active=True), required=False, allow_null=True,
        default=None,
    )
