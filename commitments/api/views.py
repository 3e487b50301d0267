"""The commitments API: exactly the rules of the pages.

- What a person may see: Commitment.objects.visible_to (the one rule, through
  the agreement a commitment comes from); a commitment you may not see answers
  404, whatever you asked to do with it.
- What a person may do: commitments.permissions (403 when you may see it but
  not do this), checked before the body is validated, so someone without the
  power learns nothing from error messages.
- Writes go through commitments.services, one per request; their
  ValidationError is a 400 JSON body naming the field (mesa.api.exceptions),
  and they write atomically: nothing is half-saved.
- Overdue is derived at the moment of the request, on each table's calendar
  (CommitmentQuerySet.with_overdue), never stored.
- Nothing is deleted: commitments are withdrawn with a reason, action updates
  corrected by newer ones, and PostgreSQL keeps the history of every change.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import permissions, services
from commitments.api.filters import CommitmentFilter
from commitments.api.serializers import (
    ActionUpdateCreateSerializer,
    ActionUpdateSerializer,
    CommitmentAgreementSerializer,
    CommitmentCreateSerializer,
    CommitmentDetailSerializer,
    CommitmentSerializer,
    CommitmentStatusSerializer,
    CommitmentUpdateSerializer,
    DeliveryReviewSerializer,
    MoveDueDateSerializer,
    UpdateCommentCreateSerializer,
    UpdateCommentSerializer,
)
from commitments.models import (
    ActionUpdate,
    Commitment,
    DeliveryReview,
    DueDateChange,
    UpdateComment,
    UpdateEvidence,
    Verdict,
)
from meetings.api.serializers import MAX_ID
from meetings.models import Agreement
from mesa.api.base import sent_fields
from mesa.permissions import tables_for_user

_ERROR = inline_serializer("CommitmentsErrorResponse", {"detail": serializers.CharField()})
_FORBIDDEN = OpenApiResponse(_ERROR, description="You may see the commitment but not do this.")
_BAD = OpenApiResponse(description="Invalid input (a JSON body naming each field), or not possible "
                       "in the commitment's current state.")
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such commitment, or one you may not see.")
_UPDATE_NOT_FOUND = OpenApiResponse(_ERROR, description="No such commitment or action update, or one "
                                    "you may not see.")
# Fields a PATCH never changes: they have their own actions, or never change.
_NOT_EDITABLE = {
    "due_on": "move-due-date",
    "status": "set-status",
}
_FIXED = ("agreement", "institution", "delivered")



def _updates_queryset(commitment: Commitment):
    """What the list of a commitment's updates reads, in a fixed number of queries."""
    return (
        ActionUpdate.objects.filter(commitment=commitment)
        .select_related("commitment__table", "author", "institution")
        .prefetch_related(
            Prefetch("evidence", queryset=UpdateEvidence.objects.order_by("pk")),
            Prefetch("comments", queryset=UpdateComment.objects.select_related("author")
                     .order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )


@extend_schema_view(
    list=extend_schema(
        summary="List the commitments you may see",
        description="Commitments under the agreements you may see: those of open sessions of public "
        "tables for everyone, the others for the table's members. Soonest due first unless `ordering` "
        "says otherwise. `overdue` is worked out at the moment of the request, on each table's "
        "calendar. Responsible officials are named to the table's members only.",
    ),
    retrieve=extend_schema(
        summary="A commitment: quantities, status, overdue, due-date moves and reviews",
        responses={200: CommitmentDetailSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a commitment under an agreement (whoever organises its session)",
        description="The secretariat for any session, a subcommittee's coordinators for their "
        "subcommittee's sessions. Numbered under the agreement (PL-2027-03/3-1). Every id must be of the "
        "agreement's table; the due date is a day on the table's calendar, not before the agreement.",
        request=CommitmentCreateSerializer,
        responses={201: CommitmentDetailSerializer, 400: _BAD, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change what was committed and how much (whoever organises its session)",
        description="Description, co-responsible institutions, responsible officials, unit, requested "
        "and committed; fields left out keep their value. The due date and the status change through "
        "their own actions (`move-due-date`, `set-status`); the institution never changes. A withdrawn "
        "commitment takes no more changes.",
        request=CommitmentUpdateSerializer,
        responses={200: CommitmentDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class CommitmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Commitments (compromisos) of institutions under the table's agreements, their action
    updates (avances) and the members' review of what was delivered. Never deleted."""

    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    queryset = Commitment.objects.none()  # the real one depends on the requester

    @cached_property
    def now(self):
        """One moment per request: every commitment's overdue is worked out at it."""
        return timezone.now()

    @cached_property
    def member_table_ids(self) -> frozenset[int]:
        """Tables whose members the requester is: people are named to them only (one query)."""
        return frozenset(tables_for_user(self.request.user, "mesa.view_member_list")
                         .values_list("pk", flat=True))

    def get_queryset(self):
        queryset = Commitment.objects.visible_to(self.request.user)
        if self.action in ("list", "retrieve"):
            return self._with_read_data(queryset)
        # Writes and the updates list: what the permission rules read (the session's table and
        # subcommittee); a write shows its result through _represent.
        return queryset.with_list_data().select_related("agreement__session__table",
                                                        "agreement__session__subcommittee")

    def _with_read_data(self, queryset):
        queryset = (
            queryset.with_list_data()
            .select_related("agreement__session__table", "agreement__session__subcommittee")
            .with_overdue(self.now)
            .annotate(
                reviews_confirmed=Count("reviews", filter=Q(reviews__verdict=Verdict.CONFIRMED)),
                reviews_disputed=Count("reviews", filter=Q(reviews__verdict=Verdict.DISPUTED)),
            )
            .prefetch_related("co_responsible", "responsible_officials")
            # Meta.ordering is dropped from queries that aggregate: say it again.
            .order_by("due_on", "pk")
        )
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("due_date_changes", queryset=DueDateChange.objects
                         .select_related("agreed_at", "changed_by").order_by("created_at", "pk")),
            )
        return queryset

    def filter_queryset(self, queryset):
        # Filters and ordering are the list's; a commitment's own address ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "member_table_ids": self.member_table_ids}

    # --- Reading ---------------------------------------------------------------------------

    def _viewer(self, commitment: Commitment) -> dict:
        user = self.request.user
        my_review = None
        if user.is_authenticated:
            my_review = (DeliveryReview.objects.filter(commitment=commitment, user=user)
                         .values_list("verdict", flat=True).first())
        return {
            "can_manage": permissions.can_manage(user, commitment),
            "can_post_update": permissions.can_post_update(user, commitment),
            "can_review": permissions.can_review(user, commitment),
            "review_open": commitment.is_open_for_review(self.now),
            "my_review": my_review,
            "following": user.is_authenticated and commitment.follows.filter(user=user).exists(),
        }

    def _represent(self, commitment: Commitment, status_code: int = status.HTTP_200_OK, *,
                   reload: bool = True) -> Response:
        if reload:
            # Read again after a write, with everything a read shows.
            commitment = self._with_read_data(Commitment.objects.all()).get(pk=commitment.pk)
        context = {**self.get_serializer_context(), "viewer": self._viewer(commitment)}
        return Response(CommitmentDetailSerializer(commitment, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._represent(self.get_object(), reload=False)

    def _commitment_for(self, rule) -> Commitment:
        """The commitment of the address (404 unless visible), 403 unless `rule` holds."""
        commitment = self.get_object()
        if not rule(self.request.user, commitment):
            raise PermissionDenied
        return commitment

    # --- Recording and keeping commitments ---------------------------------------------------

    def create(self, request, *args, **kwargs):
        user = request.user
        head = CommitmentAgreementSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        agreement = (Agreement.objects.visible_to(user)
                     .select_related("table", "session__table", "session__subcommittee")
                     .filter(pk=head.validated_data["agreement"]).first())
        if agreement is None:
            raise exceptions.ValidationError({"agreement": [gettext("There is no such agreement.")]})
        if not permissions.can_record(user, agreement):
            raise PermissionDenied
        serializer = CommitmentCreateSerializer(data=request.data, table=agreement.table)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        commitment = services.commitment_record(
            agreement=agreement,
            actor=user,
            institution=data["institution"],
            description=data["description"],
            due_on=data["due_on"],
            co_responsible=data["co_responsible"],
            responsible_officials=data["responsible_officials"],
            unit=data["unit"],
            requested=data["requested"],
            committed=data["committed"],
        )
        return self._represent(commitment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_manage)
        sent = sent_fields(request)
        errors = {}
        for field, address in _NOT_EDITABLE.items():
            if field in sent:
                errors[field] = [gettext("This changes only through the commitment's %(action)s "
                                         "address.") % {"action": address}]
        for field in _FIXED:
            if field in sent:
                errors[field] = [gettext("This never changes.")]
        if errors:
            raise exceptions.ValidationError(errors)
        serializer = CommitmentUpdateSerializer(data=request.data, partial=True, table=commitment.table)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data:
            services.commitment_update(
                commitment=commitment,
                actor=request.user,
                description=data.get("description", commitment.description),
                co_responsible=(data["co_responsible"] if "co_responsible" in data
                                else list(commitment.co_responsible.all())),
                responsible_officials=(data["responsible_officials"] if "responsible_officials" in data
                                       else list(commitment.responsible_officials.all())),
                unit=data.get("unit", commitment.unit),
                requested=data["requested"] if "requested" in data else commitment.requested,
                committed=data["committed"] if "committed" in data else commitment.committed,
            )
        return self._represent(commitment)

    @extend_schema(
        summary="Move the due date, with a reason (whoever organises its session)",
        description="The original due date stays on the commitment and every move is listed in "
        "`due_date_changes`, with who agreed to it and where. Not before the agreement; not once the "
        "commitment is closed.",
        request=MoveDueDateSerializer,
        responses={200: CommitmentDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="move-due-date", url_name="move-due-date")
    def move_due_date(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_manage)
        serializer = MoveDueDateSerializer(data=request.data, table=commitment.table)
        serializer.is_valid(raise_exception=True)
        services.commitment_move_due_date(commitment=commitment, actor=request.user,
                                          **serializer.validated_data)
        return self._represent(commitment)

    @extend_schema(
        summary="Set the status (whoever organises its session)",
        description="Fulfilled, partly fulfilled, not fulfilled, in progress, open or withdrawn. "
        "Withdrawing needs a reason and is final.",
        request=CommitmentStatusSerializer,
        responses={200: CommitmentDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="set-status", url_name="set-status")
    def set_status(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_manage)
        serializer = CommitmentStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.commitment_set_status(commitment=commitment, actor=request.user,
                                       **serializer.validated_data)
        return self._represent(commitment)

    @extend_schema(
        summary="Confirm or dispute the reported delivery (the table's members)",
        description="Once the due date has come, or the commitment is closed. Not the officials of the "
        "responsible institution, who report it. A dispute needs a comment. Sending it again replaces "
        "your verdict (the history keeps the earlier one).",
        request=DeliveryReviewSerializer,
        responses={200: CommitmentDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_review)
        serializer = DeliveryReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.delivery_review(commitment=commitment, user=request.user, **serializer.validated_data)
        return self._represent(commitment)

    @extend_schema(
        summary="Follow a commitment (hear of each action update)",
        description="A message for each action update, or one daily digest, as the follower's "
        "notification preferences say.",
        request=None,
        responses={200: CommitmentDetailSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def follow(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_follow)
        services.follow_set(commitment=commitment, user=request.user, following=True)
        return self._represent(commitment)

    @extend_schema(
        summary="Stop following a commitment",
        request=None,
        responses={200: CommitmentDetailSerializer, 404: _NOT_FOUND},
    )
    @follow.mapping.delete
    def unfollow(self, request, *args, **kwargs):
        commitment = self.get_object()
        services.follow_set(commitment=commitment, user=request.user, following=False)
        return self._represent(commitment)

    # --- Action updates ----------------------------------------------------------------------

    @extend_schema(
        summary="A commitment's action updates, oldest first",
        description="With their evidence (each file by the address of the page that serves it) and "
        "the comments of coordinators and the secretariat. Authors are named to the table's members "
        "only.",
        responses={200: ActionUpdateSerializer(many=True), 404: _NOT_FOUND},
        filters=False,  # the commitment list's filters are not the updates'
    )
    @action(detail=True, methods=["get"], url_path="updates", url_name="updates")
    def updates(self, request, *args, **kwargs):
        commitment = self.get_object()
        page = self.paginate_queryset(_updates_queryset(commitment))
        data = ActionUpdateSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Post an action update (verified officials of the responsible institution)",
        description="In the name of the commitment's institution. JSON, or multipart/form-data to "
        "attach up to five evidence files (`evidence`, repeated): photos are stored without their "
        "metadata. The first update marks an open commitment in progress. Only a correction (naming "
        "the update it corrects) may take delivered quantities back. Updates are never changed.",
        request={
            "application/json": ActionUpdateCreateSerializer,
            "multipart/form-data": ActionUpdateCreateSerializer,
        },
        responses={201: ActionUpdateSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @updates.mapping.post
    def update_create(self, request, *args, **kwargs):
        commitment = self._commitment_for(permissions.can_post_update)
        serializer = ActionUpdateCreateSerializer(data=request.data, commitment=commitment)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = services.update_post(
            commitment=commitment,
            actor=request.user,
            institution=commitment.institution,
            text=data["text"],
            action_on=data["action_on"],
            delivered_change=data["delivered_change"],
            files=data["evidence"],
            corrects=data["corrects"],
        )
        update = _updates_queryset(commitment).get(pk=update.pk)
        return Response(ActionUpdateSerializer(update, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Comment on an action update (the table's coordinators and its secretariat)",
        description="Comments are never changed or deleted.",
        parameters=[OpenApiParameter("update_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The action update's id.")],
        request=UpdateCommentCreateSerializer,
        responses={201: UpdateCommentSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _UPDATE_NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path=r"updates/(?P<update_pk>[0-9]+)/comments",
            url_name="update-comments")
    def update_comments(self, request, *args, update_pk: str, **kwargs):
        commitment = self.get_object()
        if len(update_pk) > 10 or int(update_pk) > MAX_ID:
            raise exceptions.NotFound
        update = get_object_or_404(ActionUpdate.objects.select_related("commitment__table"),
                                   commitment=commitment, pk=int(update_pk))
        if not permissions.can_comment(request.user, update):
            raise PermissionDenied
        serializer = UpdateCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.update_comment(update=update, actor=request.user,
                                          text=serializer.validated_data["text"])
        comment = UpdateComment.objects.select_related("author", "update__commitment__table").get(
            pk=comment.pk)
        return Response(UpdateCommentSerializer(comment, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
