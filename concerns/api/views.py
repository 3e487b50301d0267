"""The concerns API: exactly the rules of the pages.

- What a person may read: Concern.objects.visible_to (the one rule); a concern
  you may not read answers 404, whatever you asked to do with it.
- What a person may do: concerns.permissions (403 when you may read it but
  not do this); writes through concerns.services (their ValidationError is a
  400 JSON body, see mesa.api.exceptions).
- Who raised it: concerns.permissions.ReporterVisibility, built once per
  request and handed to every serializer.
- Anonymous reporters: the receipt code is in the body of the response that
  creates the concern (never again, never cacheable) and, afterwards, only in
  POST bodies to /api/v1/receipts/...; a malformed code and a wrong one get
  the same 404. Creation and look-ups are rate-limited by mesa.ratelimit,
  which stores no address.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import slug_re
from django.db.models import Prefetch, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
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
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from concerns import permissions, services
from concerns.api.filters import ConcernFilter
from concerns.api.serializers import (
    AnswerCreateSerializer,
    AnswerRatingSerializer,
    AnswerSerializer,
    AssignSerializer,
    ConcernCreatedSerializer,
    ConcernCreateSerializer,
    ConcernDetailSerializer,
    ConcernForViewerSerializer,
    ConcernHeadSerializer,
    ConcernSerializer,
    ConsentSerializer,
    DuplicateSerializer,
    RatingInputSerializer,
    RatingSerializer,
    ReasonSerializer,
    ReceiptRatingSerializer,
    ReceiptReasonSerializer,
    ReceiptSerializer,
    ReceiptTextSerializer,
    RerouteSerializer,
    StatusSerializer,
    SupportSerializer,
    TextSerializer,
)
from concerns.models import Answer, Concern, ConcernEvent, Rating, Visibility
from concerns.permissions import ReporterVisibility
from mesa import permissions as mesa_permissions
from mesa import ratelimit
from mesa.counts import CachedCountPagination
from mesa.models import Institution, Organisation, Table


class RateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many attempts from your connection. Please wait an hour and try again.")
    default_code = "rate_limited"


class ReceiptNotFound(exceptions.NotFound):
    # One message for a malformed code, a wrong one and a removed concern.
    default_detail = _("No concern opens with this code. Check that you typed it as it was given.")
    default_code = "receipt_not_found"


_ERROR = inline_serializer("ConcernErrorResponse", {"detail": serializers.CharField()})
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such concern, or one you may not read.")
_FORBIDDEN = OpenApiResponse(_ERROR, description="You may read the concern but not do this.")
_BAD = OpenApiResponse(description="Invalid input, or not possible in the concern's current state.")
_RECEIPT_RESPONSES = {
    404: OpenApiResponse(_ERROR, description="The code opens no concern (the same answer whether "
                         "it is malformed or wrong)."),
    429: OpenApiResponse(_ERROR, description="Too many receipt-code look-ups from your connection."),
}
_NO_STORE = "no-store"


def _rate_limit(request, scope: str, limit: int) -> None:
    if not ratelimit.allow(request, scope, limit=limit, window_seconds=3600):
        raise RateLimited


def _detail_queryset(queryset):
    """What a concern's page reads, in a fixed number of queries."""
    return queryset.with_list_data().prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("institution", "author")),
        "replies",
        Prefetch("events", queryset=ConcernEvent.objects.select_related("actor")),
    )


def _endorsements(concern: Concern) -> list:
    """Organisations endorsing a public concern. Supporters of restricted and
    anonymous concerns are never listed, not even as organisations."""
    if concern.visibility != Visibility.PUBLIC:
        return []
    return list(Organisation.objects.filter(endorsements__concern=concern).distinct()
                .order_by("name", "pk"))


def _readable_originals(user, concerns) -> set[int]:
    """Of the originals these duplicates were folded into, those `user` may read (one query)."""
    ids = {c.duplicate_of_id for c in concerns if c.duplicate_of_id is not None}
    if not ids:
        return set()
    return set(Concern.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _my_ratings(answers, user) -> dict:
    """The requester's ratings of these answers (user None: the receipt holder's)."""
    if user is not None and not user.is_authenticated:
        return {}
    ratings = Rating.objects.filter(answer__in=[a.pk for a in answers], user=user)
    return {r.answer_id: r for r in ratings}


_HIDDEN_PARAMETER = OpenApiParameter(
    "hidden", OpenApiTypes.BOOL,
    description="Coordinators and the secretariat: true adds the hidden, rejected and duplicate "
    "concerns of the subcommittees they coordinate and of the tables whose secretariat they are. "
    "No effect for anyone else.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List the concerns you may read",
        parameters=[_HIDDEN_PARAMETER],
        description="Public concerns of public tables for everyone; restricted and anonymous ones "
        "for the table's members. Hidden, rejected and duplicate concerns only for those who "
        "triage them, with hidden=true. Most supported first unless `ordering` says otherwise "
        "(or `q` is given: then the best matches first).",
    ),
    retrieve=extend_schema(
        summary="A concern, its official answers, the reporter's replies and its timeline",
        responses={200: ConcernForViewerSerializer, 404: _NOT_FOUND},
    ),
)
class ConcernViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Concerns (planteamientos) raised at security dialogue tables.

    Who raised a restricted concern is shown only to its reporter, the
    coordinators of its subcommittee, the table's secretariat and, with the
    reporter's consent, officials of an accused institution; an anonymous
    concern's reporter is not stored at all. Supporters are never listed.
    """

    serializer_class = ConcernSerializer
    filterset_class = ConcernFilter
    pagination_class = CachedCountPagination
    queryset = Concern.objects.none()  # the real one depends on the requester

    def get_permissions(self):
        if self.action in ("list", "retrieve", "create"):
            return [AllowAny()]
        return [IsAuthenticated()]

    # --- Reading ----------------------------------------------------------------------

    @cached_property
    def reporter_visibility(self) -> ReporterVisibility:
        """Computed once per request (a view instance serves one request)."""
        return permissions.reporter_visibility_for(self.request.user)

    def get_queryset(self):
        user = self.request.user
        queryset = Concern.objects.visible_to(user)
        if self.action == "list":
            # One table's list (`?table=`) reads by that table's indexes, as its page does.
            slug = self.request.query_params.get("table", "")
            table = Table.objects.filter(slug=slug).first() if slug_re.fullmatch(slug) else None
            listed = Concern.objects.listed_at(user, table) if table else queryset.listed()
            if user.is_authenticated and self.request.query_params.get("hidden", "").lower() in (
                    "true", "1"):
                # What the person triages (the rule of permissions.can_triage: the
                # subcommittees they coordinate, the tables whose secretariat they are),
                # still within what visible_to lets them read.
                scope = self.reporter_visibility
                listed = listed | queryset.filter(
                    Q(table_id__in=scope.secretariat_table_ids)
                    | Q(subcommittee_id__in=scope.coordinated_subcommittee_ids)
                )
            return listed.with_list_data().by_priority()
        if self.action == "retrieve":
            return _detail_queryset(queryset)
        return queryset.select_related("table", "subcommittee")

    def filter_queryset(self, queryset):
        # Filters and ordering are the list's; a concern's own address ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        return {**super().get_serializer_context(),
                "reporter_visibility": self.reporter_visibility}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(),
                   "readable_originals": _readable_originals(request.user, page)}
        return self.get_paginated_response(ConcernSerializer(page, many=True, context=context).data)

    def _viewer(self, concern: Concern) -> dict:
        user = self.request.user
        if not user.is_authenticated:
            return {"is_reporter": False, "supporting": False, "endorsing_organisation": None,
                    "following": False, "can_support": False, "can_follow": False,
                    "can_triage": False, "answer_as": []}
        support = concern.supports.filter(user=user).first()
        return {
            "is_reporter": permissions.is_reporter(user, concern),
            "supporting": support is not None,
            "endorsing_organisation": support.organisation_id if support else None,
            "following": concern.follows.filter(user=user).exists(),
            "can_support": permissions.can_support(user, concern),
            "can_follow": permissions.can_follow(user, concern),
            "can_triage": permissions.can_triage(user, concern),
            "answer_as": sorted(permissions.answerable_institution_ids(user, concern)),
        }

    def _detail_context(self, concern: Concern) -> dict:
        user = self.request.user
        return {
            **self.get_serializer_context(),
            "show_member_names": mesa_permissions.is_member(user, concern.table),
            "endorsements": _endorsements(concern),
            "my_ratings": _my_ratings(concern.answers.all(), user),
            "readable_originals": _readable_originals(user, [concern]),
            "viewer": self._viewer(concern),
        }

    def _represent(self, concern: Concern, *, status_code: int = status.HTTP_200_OK,
                   serializer_class=ConcernForViewerSerializer, **extra_context) -> Response:
        # Read again after a write, from Concern.objects: the requester could read it
        # a moment ago, and after re-routing or hiding it the rule may no longer say so.
        concern = _detail_queryset(Concern.objects.all()).get(pk=concern.pk)
        context = {**self._detail_context(concern), **extra_context}
        return Response(serializer_class(concern, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        concern = self.get_object()
        return Response(ConcernForViewerSerializer(concern, context=self._detail_context(concern)).data)

    def _concern(self) -> Concern:
        """The concern of the address, or 404 unless the requester may read it."""
        return self.get_object()

    def _concern_for(self, rule) -> Concern:
        concern = self._concern()
        if not rule(self.request.user, concern):
            raise PermissionDenied
        return concern

    # --- Raising ------------------------------------------------------------------------

    @extend_schema(
        summary="Raise a concern",
        description="Anyone may raise an anonymous concern, without an account (rate-limited); "
        "public and restricted ones need membership of the table. The response to an anonymous "
        "concern carries its receipt code, once.",
        request=ConcernCreateSerializer,
        responses={
            201: ConcernCreatedSerializer,
            400: _BAD,
            403: OpenApiResponse(_ERROR, description="Public and restricted concerns need "
                                 "membership of the table."),
            429: OpenApiResponse(_ERROR, description="Too many anonymous concerns from your "
                                 "connection in the last hour."),
        },
    )
    def create(self, request, *args, **kwargs):
        head = ConcernHeadSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        table, visibility = head.validated_data["table"], head.validated_data["visibility"]
        user = request.user
        if not permissions.can_raise(user, table, visibility):
            raise PermissionDenied
        serializer = ConcernCreateSerializer(data=request.data, table=table)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if visibility == Visibility.ANONYMOUS:
            _rate_limit(request, "anonymous-concern", settings.MESA_ANONYMOUS_CONCERNS_PER_HOUR)
        concern, code = services.concern_raise(
            table=table,
            subcommittee=data["subcommittee"],
            title=data["title"],
            description=data["description"],
            visibility=visibility,
            reporter=user if user.is_authenticated else None,
            colonia=data["colonia"],
            colonia_other=data["colonia_other"],
            happened_on=data["happened_on"],
            place=data["place"],
            accused_institutions=data["accused_institutions"],
            consent_to_accused=data["consent_to_accused"],
        )
        response = self._represent(concern, status_code=status.HTTP_201_CREATED,
                                   serializer_class=ConcernCreatedSerializer, receipt_code=code)
        # The code must not stay in any cache: this is the only time it is shown.
        response["Cache-Control"] = _NO_STORE
        return response

    # --- Supports and follows -------------------------------------------------------------

    @extend_schema(
        summary="Support a concern (members), optionally as an organisation's endorsement",
        request=SupportSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def support(self, request, *args, **kwargs):
        concern = self._concern_for(permissions.can_support)
        serializer = SupportSerializer(data=request.data, table=concern.table)
        serializer.is_valid(raise_exception=True)
        services.support_add(concern=concern, user=request.user,
                             organisation=serializer.validated_data["organisation"])
        return self._represent(concern)

    @extend_schema(
        summary="Withdraw your support",
        request=None,
        responses={200: ConcernForViewerSerializer, 404: _NOT_FOUND},
    )
    @support.mapping.delete
    def withdraw_support(self, request, *args, **kwargs):
        concern = self._concern()
        services.support_withdraw(concern=concern, user=request.user)
        return self._represent(concern)

    @extend_schema(
        summary="Follow a concern (get its updates)",
        request=None,
        responses={200: ConcernForViewerSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def follow(self, request, *args, **kwargs):
        concern = self._concern_for(permissions.can_follow)
        services.follow_set(concern=concern, user=request.user, following=True)
        return self._represent(concern)

    @extend_schema(
        summary="Stop following a concern",
        request=None,
        responses={200: ConcernForViewerSerializer, 404: _NOT_FOUND},
    )
    @follow.mapping.delete
    def unfollow(self, request, *args, **kwargs):
        concern = self._concern()
        services.follow_set(concern=concern, user=request.user, following=False)
        return self._represent(concern)

    # --- Official answers -------------------------------------------------------------------

    @extend_schema(
        summary="Post an official answer (a verified official of an institution asked to answer)",
        request=AnswerCreateSerializer,
        responses={201: AnswerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="answers", url_name="answers")
    def answer(self, request, *args, **kwargs):
        concern = self._concern()
        allowed = permissions.answerable_institution_ids(request.user, concern)
        if not allowed:
            raise PermissionDenied
        serializer = AnswerCreateSerializer(data=request.data, allowed_institution_ids=allowed)
        serializer.is_valid(raise_exception=True)
        institution = Institution.objects.get(pk=serializer.validated_data["institution"])
        answer = services.answer_post(concern=concern, institution=institution, author=request.user,
                                      text=serializer.validated_data["text"])
        answer = Answer.objects.select_related("institution", "author").get(pk=answer.pk)
        context = {**self.get_serializer_context(), "concern": concern, "show_member_names": True}
        return Response(AnswerSerializer(answer, context=context).data, status=status.HTTP_201_CREATED)

    # --- Triage (the subcommittee's coordinators and the table's secretariat) -------------------

    def _triaged(self) -> Concern:
        return self._concern_for(permissions.can_triage)

    @extend_schema(
        summary="Move a concern to another status (triage)",
        description="Accept or reject a new concern (a rejection needs a reason, which the reporter "
        "sees), mark it in progress, resolved, partly resolved or closed.",
        request=StatusSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, *args, **kwargs):
        concern = self._triaged()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.concern_set_status(concern=concern, actor=request.user, **serializer.validated_data)
        return self._represent(concern)

    @extend_schema(
        summary="Ask institutions to answer (triage)",
        request=AssignSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        concern = self._triaged()
        serializer = AssignSerializer(data=request.data, table=concern.table)
        serializer.is_valid(raise_exception=True)
        services.concern_assign(concern=concern, actor=request.user,
                                institutions=serializer.validated_data["institutions"])
        return self._represent(concern)

    @extend_schema(
        summary="Send a concern to another subcommittee (triage)",
        request=RerouteSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reroute(self, request, *args, **kwargs):
        concern = self._triaged()
        serializer = RerouteSerializer(data=request.data, table=concern.table)
        serializer.is_valid(raise_exception=True)
        services.concern_reroute(concern=concern, actor=request.user, **serializer.validated_data)
        return self._represent(concern)

    @extend_schema(
        summary="Mark a concern as a duplicate of another (triage)",
        description="Its supporters and followers move to the original.",
        request=DuplicateSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request, *args, **kwargs):
        concern = self._triaged()
        originals = Concern.objects.visible_to(request.user).filter(table=concern.table)
        serializer = DuplicateSerializer(data=request.data, queryset=originals)
        serializer.is_valid(raise_exception=True)
        services.concern_mark_duplicate(concern=concern, actor=request.user,
                                        original=serializer.validated_data["original"])
        return self._represent(concern)

    @extend_schema(
        summary="Hide abusive content (triage)",
        description="Hidden, never deleted: the reporter, the subcommittee's coordinators and the "
        "secretariat still read it.",
        request=ReasonSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, *args, **kwargs):
        concern = self._triaged()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.concern_hide(concern=concern, actor=request.user,
                              reason=serializer.validated_data["reason"])
        return self._represent(concern)

    @extend_schema(
        summary="Show a hidden concern again (triage)",
        request=None,
        responses={200: ConcernForViewerSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def unhide(self, request, *args, **kwargs):
        concern = self._triaged()
        services.concern_unhide(concern=concern, actor=request.user)
        return self._represent(concern)

    # --- The reporter ------------------------------------------------------------------------

    def _reported(self) -> Concern:
        return self._concern_for(permissions.is_reporter)

    @extend_schema(
        summary="Reply to the answers (the reporter)",
        request=TextSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        concern = self._reported()
        serializer = TextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reply_post(concern=concern, author=request.user, text=serializer.validated_data["text"])
        return self._represent(concern)

    @extend_schema(
        summary="Confirm that the concern was resolved (the reporter)",
        request=None,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        concern = self._reported()
        services.concern_confirm_resolution(concern=concern, actor=request.user)
        return self._represent(concern)

    @extend_schema(
        summary="Reopen a concern that was not resolved (the reporter)",
        request=ReasonSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        concern = self._reported()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.concern_reopen(concern=concern, actor=request.user,
                                reason=serializer.validated_data["reason"])
        return self._represent(concern)

    @extend_schema(
        summary="Give or withdraw consent to be known to the accused institutions (the reporter "
        "of a restricted concern)",
        request=ConsentSerializer,
        responses={200: ConcernForViewerSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def consent(self, request, *args, **kwargs):
        concern = self._reported()
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.concern_set_consent(concern=concern, reporter=request.user,
                                     consent=serializer.validated_data["consent"])
        return self._represent(concern)


class AnswerViewSet(viewsets.GenericViewSet):
    """Official answers: rated by the concern's reporter and supporters."""

    permission_classes = [IsAuthenticated]
    queryset = Answer.objects.none()  # the real one depends on the requester
    serializer_class = RatingSerializer

    def get_queryset(self):
        return Answer.objects.filter(
            concern__in=Concern.objects.visible_to(self.request.user)
        ).select_related("concern")

    @extend_schema(
        summary="Rate an official answer from 1 to 5 (the reporter and the supporters)",
        description="Once each; sending it again changes your rating.",
        request=RatingInputSerializer,
        responses={200: RatingSerializer, 400: _BAD, 403: _FORBIDDEN,
                   404: OpenApiResponse(_ERROR, description="No such answer, or one of a concern "
                                        "you may not read.")},
    )
    @action(detail=True, methods=["put"])
    def rating(self, request, *args, **kwargs):
        answer = self.get_object()
        if not permissions.can_rate(request.user, answer):
            raise PermissionDenied
        serializer = RatingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = services.rating_set(answer=answer, user=request.user, **serializer.validated_data)
        return Response(RatingSerializer(rating).data)


class ReceiptViewSet(viewsets.ViewSet):
    """Follow up an anonymous concern with its receipt code, without an account.

    The code goes in the POST body, never in an address. Every request counts
    as a look-up towards the hourly limit of your connection.
    """

    # The account of whoever holds the code is not even read: nothing it does
    # here can be linked to a person.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def _concern(self, request) -> Concern:
        _rate_limit(request, "receipt-lookup", settings.MESA_RECEIPT_LOOKUPS_PER_HOUR)
        data = request.data
        code = data.get("code") if hasattr(data, "get") else None
        # Anything but a sensible string is a malformed code: the same answer as a wrong one.
        if not isinstance(code, str) or len(code) > 100:
            code = ""
        concern = services.concern_for_receipt(code)
        if concern is None:
            raise ReceiptNotFound
        return concern

    def _represent(self, concern: Concern) -> Response:
        """The concern as its reporter sees it: a receipt holder is no member, so no
        official's name; and the reporter is nobody (nothing is stored)."""
        concern = _detail_queryset(Concern.objects.all()).get(pk=concern.pk)
        context = {
            "request": self.request,
            "reporter_visibility": ReporterVisibility(),
            "show_member_names": False,
            "my_ratings": _my_ratings(concern.answers.all(), None),
            "readable_originals": _readable_originals(self.request.user, [concern]),
            "receipt_holder": True,
        }
        response = Response(ConcernDetailSerializer(concern, context=context).data)
        response["Cache-Control"] = _NO_STORE
        return response

    def _validated(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Open an anonymous concern with its receipt code",
        request=ReceiptSerializer,
        responses={200: ConcernDetailSerializer, **_RECEIPT_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        return self._represent(self._concern(request))

    @extend_schema(
        summary="Reply with the receipt code",
        description="As anonymous as the concern: nothing links the reply to you.",
        request=ReceiptTextSerializer,
        responses={200: ConcernDetailSerializer, 400: _BAD, **_RECEIPT_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def reply(self, request, *args, **kwargs):
        concern = self._concern(request)
        data = self._validated(TextSerializer, request)
        services.reply_post(concern=concern, author=None, text=data["text"])
        return self._represent(concern)

    @extend_schema(
        summary="Confirm with the receipt code that the concern was resolved",
        request=ReceiptSerializer,
        responses={200: ConcernDetailSerializer, 400: _BAD, **_RECEIPT_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        concern = self._concern(request)
        services.concern_confirm_resolution(concern=concern, actor=None)
        return self._represent(concern)

    @extend_schema(
        summary="Reopen with the receipt code a concern that was not resolved",
        request=ReceiptReasonSerializer,
        responses={200: ConcernDetailSerializer, 400: _BAD, **_RECEIPT_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        concern = self._concern(request)
        data = self._validated(ReasonSerializer, request)
        services.concern_reopen(concern=concern, actor=None, reason=data["reason"])
        return self._represent(concern)

    @extend_schema(
        summary="Rate an official answer with the receipt code",
        description="Once per answer; sending it again changes the rating.",
        request=ReceiptRatingSerializer,
        responses={200: ConcernDetailSerializer, 400: _BAD, **_RECEIPT_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def rate(self, request, *args, **kwargs):
        concern = self._concern(request)
        data = self._validated(AnswerRatingSerializer, request)
        answer = concern.answers.filter(pk=data["answer"]).first()
        if answer is None:
            raise exceptions.ValidationError({"answer": [_("Choose one of this concern's answers.")]})
        services.rating_set(answer=answer, user=None, score=data["score"], comment=data["comment"])
        return self._represent(concern)
