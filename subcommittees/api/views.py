"""The subcommittee API: readable by everyone (like the table's pages); the
table's secretariat adds, renames, archives and appoints coordinators.
Subcommittees are archived, never deleted."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mesa import permissions as mesa_permissions
from mesa.api.base import table_from_input
from subcommittees import permissions, services
from subcommittees.api.serializers import (
    SubcommitteeCoordinatorsSerializer,
    SubcommitteeCreateSerializer,
    SubcommitteeSerializer,
    SubcommitteeUpdateSerializer,
)
from subcommittees.models import Subcommittee


class SubcommitteeFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True,
        help_text="true: only archived subcommittees; false: only those still working.",
    )

    class Meta:
        model = Subcommittee
        fields: list = []


@extend_schema_view(
    list=extend_schema(summary="List subcommittees"),
    retrieve=extend_schema(summary="A subcommittee"),
    update=extend_schema(
        summary="Rename a subcommittee (the table's secretariat)",
        request=SubcommitteeUpdateSerializer, responses={200: SubcommitteeSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename a subcommittee (the table's secretariat)",
        request=SubcommitteeUpdateSerializer, responses={200: SubcommitteeSerializer},
    ),
)
class SubcommitteeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Thematic working groups of a table. Names, descriptions and
    coordinators are public, like the table's home page."""

    serializer_class = SubcommitteeSerializer
    filterset_class = SubcommitteeFilter
    queryset = Subcommittee.objects.with_list_data().order_by("table__name", "pk")

    def _get_managed(self) -> Subcommittee:
        subcommittee = self.get_object()
        if not permissions.can_manage(self.request.user, subcommittee):
            raise PermissionDenied
        return subcommittee

    def _respond(self, subcommittee: Subcommittee, status_code: int = status.HTTP_200_OK):
        subcommittee = self.get_queryset().get(pk=subcommittee.pk)
        return Response(self.get_serializer(subcommittee).data, status=status_code)

    @extend_schema(
        summary="Add a subcommittee to a table (its secretariat)",
        request=SubcommitteeCreateSerializer,
        responses={201: SubcommitteeSerializer},
    )
    def create(self, request, *args, **kwargs):
        table = table_from_input(request, mesa_permissions.can_manage_subcommittees)
        serializer = SubcommitteeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subcommittee = services.subcommittee_create(
            table=table,
            name_es=data.get("name_es", ""),
            name_en=data.get("name_en", ""),
            description=data.get("description", ""),
        )
        return self._respond(subcommittee, status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        subcommittee = self._get_managed()
        serializer = SubcommitteeUpdateSerializer(subcommittee, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subcommittee = services.subcommittee_update(
            subcommittee=subcommittee,
            name_es=data.get("name_es", subcommittee.name_es),
            name_en=data.get("name_en", subcommittee.name_en),
            description=data.get("description", subcommittee.description),
        )
        return self._respond(subcommittee)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(summary="Archive a subcommittee (the table's secretariat)", request=None,
                   responses={200: SubcommitteeSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        subcommittee = services.subcommittee_archive(subcommittee=self._get_managed())
        return self._respond(subcommittee)

    @extend_schema(summary="Bring an archived subcommittee back (the table's secretariat)",
                   request=None, responses={200: SubcommitteeSerializer})
    @action(detail=True, methods=["post"])
    def unarchive(self, request, *args, **kwargs):
        subcommittee = services.subcommittee_unarchive(subcommittee=self._get_managed())
        return self._respond(subcommittee)

    @extend_schema(
        summary="Set a subcommittee's coordinators (the table's secretariat)",
        request=SubcommitteeCoordinatorsSerializer,
        responses={200: SubcommitteeSerializer},
    )
    @action(detail=True, methods=["put"])
    def coordinators(self, request, *args, **kwargs):
        subcommittee = self._get_managed()
        serializer = SubcommitteeCoordinatorsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subcommittee = services.subcommittee_set_coordinators(
            subcommittee=subcommittee, users=serializer.validated_data["coordinators"]
        )
        return self._respond(subcommittee)
