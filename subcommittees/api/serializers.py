"""Shapes of the subcommittee API. Input shape only: subcommittees.services
decides what is valid, subcommittees.permissions who may ask."""

from rest_framework import serializers

from accounts.models import User
from mesa.api.base import TEXT_MAX_LENGTH, PersonSerializer, TableField
from subcommittees.models import Subcommittee


class SubcommitteeSerializer(serializers.ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    name = serializers.CharField(
        read_only=True, help_text="In the language of the request, falling back to the other one."
    )
    is_archived = serializers.BooleanField(read_only=True)
    coordinators = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = Subcommittee
        fields = [
            "id",
            "table",
            "slug",
            "name",
            "name_es",
            "name_en",
            "description",
            "standing_theme",
            "is_archived",
            "archived_at",
            "coordinators",
            "created_at",
        ]
        read_only_fields = fields


class SubcommitteeUpdateSerializer(serializers.ModelSerializer):
    """Names and description; at least one name is the service's rule."""

    class Meta:
        model = Subcommittee
        fields = ["name_es", "name_en", "description"]
        extra_kwargs = {"description": {"max_length": TEXT_MAX_LENGTH}}


class SubcommitteeCreateSerializer(SubcommitteeUpdateSerializer):
    table = TableField()

    class Meta(SubcommitteeUpdateSerializer.Meta):
        fields = ["table", "name_es", "name_en", "description"]


class SubcommitteeCoordinatorsSerializer(serializers.Serializer):
    """The whole list of coordinators, replacing the current one."""

    coordinators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True),
        help_text="User ids of active coordinator or secretariat members of the table.",
    )
