"""The core REST API: tables, institutions, organisations, memberships, invitations.

Every view follows the pages: get the object (scoped by the same querysets),
check the rule in mesa.permissions, call one service, answer. The exception
handler (mesa.api.exceptions) turns the services' ValidationError into a 400
JSON body, Http404 into 404 and PermissionDenied into 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from mesa import permissions, services
from mesa.api.base import table_from_input
from mesa.api.filters import InstitutionFilter, InvitationFilter, MembershipFilter, OrganisationFilter
from mesa.api.serializers import (
    InstitutionSerializer,
    InstitutionUpdateSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipEndSerializer,
    MembershipJoinSerializer,
    MembershipRefuseSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    OrganisationSerializer,
    OrganisationUpdateSerializer,
    TableSerializer,
    TableUpdateSerializer,
)
from mesa.models import Institution, Invitation, Membership, Organisation, Table

# --- Tables ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the security dialogue tables"),
    retrieve=extend_schema(summary="A table's public information"),
)
class TableViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    """Security dialogue tables. Anyone may read a table's public information;
    its secretariat may change it. Tables are created by the platform's
    operators and never deleted, so there is no POST or DELETE."""

    serializer_class = TableSerializer
    lookup_field = "slug"
    queryset = Table.objects.all()

    def get_queryset(self):
        return Table.objects.with_role_counts().order_by("name", "pk")

    def _viewer_context(self, tables: list[Table]) -> dict:
        """The requester's role and powers at these tables, fetched in bulk."""
        user = self.request.user
        if not user.is_authenticated or not tables:
            return {"my_memberships": {}}
        memberships = Membership.objects.active().filter(user=user, table__in=[t.pk for t in tables])
        return {"my_memberships": {m.table_id: m for m in memberships}}

    def _represent(self, tables, *, many: bool = False):
        tables_list = list(tables) if many else [tables]
        context = {**self.get_serializer_context(), **self._viewer_context(tables_list)}
        return TableSerializer(tables, many=many, context=context).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._represent(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._represent(self.get_object()))

    @extend_schema(
        summary="Change a table (its secretariat)",
        request=TableUpdateSerializer,
        responses={200: TableSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        table = self.get_object()
        if not permissions.can_change_table(request.user, table):
            raise PermissionDenied
        serializer = TableUpdateSerializer(table, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.table_update(table=table, **serializer.validated_data)
        return Response(self._represent(self.get_queryset().get(pk=table.pk)))


# --- Institutions and organisations ---------------------------------------------------


class _TableRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Readable by all; kept by the table's secretariat (can_manage_institutions).
    Never deleted: set is_active to false instead."""

    update_serializer_class: type

    def save_record(self, record):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        table_from_input(request, permissions.can_manage_institutions)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.save_record(self.queryset.model(**serializer.validated_data))
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        record = self.get_object()
        if not permissions.can_manage_institutions(request.user, record.table):
            raise PermissionDenied
        serializer = self.update_serializer_class(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        for field, value in serializer.validated_data.items():
            setattr(record, field, value)
        record = self.save_record(record)
        return Response(self.get_serializer(record).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List institutions"),
    retrieve=extend_schema(summary="An institution"),
    create=extend_schema(summary="Add an institution (the table's secretariat)"),
    update=extend_schema(
        summary="Change an institution (the table's secretariat)",
        request=InstitutionUpdateSerializer, responses={200: InstitutionSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an institution (the table's secretariat)",
        request=InstitutionUpdateSerializer, responses={200: InstitutionSerializer},
    ),
)
class InstitutionViewSet(_TableRecordViewSet):
    """Government bodies at a table, each at one level of government."""

    queryset = Institution.objects.select_related("table").order_by("table__name", "level", "name", "pk")
    serializer_class = InstitutionSerializer
    update_serializer_class = InstitutionUpdateSerializer
    filterset_class = InstitutionFilter

    def save_record(self, record):
        return services.institution_save(institution=record)


@extend_schema_view(
    list=extend_schema(summary="List organisations"),
    retrieve=extend_schema(summary="An organisation"),
    create=extend_schema(summary="Add an organisation (the table's secretariat)"),
    update=extend_schema(
        summary="Change an organisation (the table's secretariat)",
        request=OrganisationUpdateSerializer, responses={200: OrganisationSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an organisation (the table's secretariat)",
        request=OrganisationUpdateSerializer, responses={200: OrganisationSerializer},
    ),
)
class OrganisationViewSet(_TableRecordViewSet):
    """Civil-society organisations and business bodies that are members of a table."""

    queryset = Organisation.objects.select_related("table").order_by("table__name", "name", "pk")
    serializer_class = OrganisationSerializer
    update_serializer_class = OrganisationUpdateSerializer
    filterset_class = OrganisationFilter

    def save_record(self, record):
        return services.organisation_save(organisation=record)


# --- Memberships ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the memberships you may see"),
    retrieve=extend_schema(summary="A membership you may see"),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """People's places at tables.

    You see exactly what the member list pages show you
    (Membership.objects.visible_to): everyone at the tables whose members you
    manage; the active, verified people who act in public (officials,
    representatives, coordinators, secretariat) at tables you belong to; and
    your own memberships. A membership you may not see answers 404.
    Anonymous callers get 401: memberships are only shown to signed-in people.
    Email addresses are shown to the table's secretariat only.
    Memberships are never deleted: they end.
    """

    serializer_class = MembershipSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = MembershipFilter
    queryset = Membership.objects.none()  # the real one depends on the requester
    _managed_table_ids: set[int] | None = None

    def get_queryset(self):
        return (
            Membership.objects.visible_to(self.request.user)
            .with_list_data()
            .order_by("table__name", "role", "joined_at", "pk")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self._managed_table_ids is None:
            # Once per request (a view instance serves one request), not once per row.
            self._managed_table_ids = set(
                permissions.tables_for_user(self.request.user, "mesa.manage_members")
                .values_list("pk", flat=True)
            )
        context["managed_table_ids"] = self._managed_table_ids
        return context

    def _respond(self, membership: Membership, status_code: int = status.HTTP_200_OK) -> Response:
        membership = Membership.objects.with_list_data().get(pk=membership.pk)
        return Response(self.get_serializer(membership).data, status=status_code)

    def _get_managed(self) -> Membership:
        """A visible membership (else 404) at a table whose members the requester manages."""
        membership = self.get_object()
        if not permissions.can_manage_members(self.request.user, membership.table):
            raise PermissionDenied
        return membership

    @extend_schema(
        summary="Join a table as yourself",
        description="Officials and representatives join unverified: their claim gives no "
        "powers until the table's secretariat verifies it.",
        request=MembershipJoinSerializer,
        responses={201: MembershipSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = MembershipJoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.membership_join(
            table=data["table"],
            user=request.user,
            role=data["role"],
            institution=data.get("institution"),
            organisation=data.get("organisation"),
            position=data["position"],
        )
        return self._respond(membership, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a member's role (the table's secretariat)",
        request=MembershipRoleSerializer,
        responses={200: MembershipSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        membership = self._get_managed()
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.membership_change_role(
            membership=membership,
            role=data["role"],
            actor=request.user,
            institution=data["institution"],
            organisation=data["organisation"],
            position=data.get("position"),
            note=data["note"],
        )
        return self._respond(membership)

    @extend_schema(
        summary="Verify an official's or representative's claim (the table's secretariat)",
        request=None,
        responses={200: MembershipSerializer},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        membership = self._get_managed()
        return self._respond(services.membership_verify(membership=membership, actor=request.user))

    @extend_schema(
        summary="Refuse an official's or representative's claim (the table's secretariat)",
        description="The person stays at the table as a citizen and is told why.",
        request=MembershipRefuseSerializer,
        responses={200: MembershipSerializer},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, *args, **kwargs):
        membership = self._get_managed()
        serializer = MembershipRefuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_refuse_verification(
            membership=membership, actor=request.user, note=serializer.validated_data["note"]
        )
        return self._respond(membership)

    @extend_schema(
        summary="End a membership (the person themself, or the table's secretariat)",
        description="The record stays; the person is no longer a member.",
        request=MembershipEndSerializer,
        responses={200: MembershipSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        membership = self.get_object()
        if not permissions.can_end_membership(request.user, membership):
            raise PermissionDenied
        serializer = MembershipEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_end(
            membership=membership, actor=request.user, note=serializer.validated_data["note"]
        )
        return self._respond(membership)


# --- Invitations ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List invitations of the tables whose members you manage"),
    retrieve=extend_schema(summary="An invitation of a table whose members you manage"),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """The secretariat's invitations. Only the tables whose members you manage
    are listed (an empty list for everyone else). The link itself is only
    ever mailed to the invited address."""

    serializer_class = InvitationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = InvitationFilter
    queryset = Invitation.objects.none()  # the real one depends on the requester

    def get_queryset(self):
        return (
            Invitation.objects.filter(
                table__in=permissions.tables_for_user(self.request.user, "mesa.manage_members")
            )
            .select_related("table", "institution", "organisation", "invited_by")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="Invite someone to a table (its secretariat)",
        description="The invitation link is mailed to the address once saved.",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
    )
    def create(self, request, *args, **kwargs):
        table = table_from_input(request, permissions.can_manage_members)
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invitation = services.invitation_create(
            table=table,
            email=data["email"],
            role=data["role"],
            invited_by=request.user,
            institution=data["institution"],
            organisation=data["organisation"],
        )
        invitation = self.get_queryset().get(pk=invitation.pk)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)



# --- Anything else under /api/v1/ ---------------------------------------------------------------


def api_not_found(request, *args, **kwargs):
    """A JSON 404 for addresses under /api/v1/ that name no endpoint
    (Django's own 404 page is HTML)."""
    return JsonResponse({"detail": gettext("Not found.")}, status=404)
