"""The indicators API: exactly the rules of the pages.

- What a person may see: Indicator.objects.visible_to, the one rule (everyone at
  a table open to non-members, its members otherwise); an indicator you may not
  see answers 404, whatever you asked to do with it, and so do its figures.
- What a person may do: indicators.permissions (403 when you may see it but not
  do this): the coordinators of the owning subcommittee and the secretariat
  enter and correct figures, set baselines and targets and edit the indicator;
  they and the performance-indicators coordinators add indicators. Checked
  before the body is validated, so someone without the power learns nothing
  from error messages.
- Writes go through indicators.services, one per request; their
  ValidationError is a 400 JSON body naming the field (mesa.api.exceptions),
  and they write atomically: nothing is half-saved.
- What the figures say (latest figure, target in force, expected figure,
  status, changes) comes from indicators.figures, as on the pages, in two
  queries for a whole page of indicators.
- Nothing is deleted: indicators are retired (`is_active`), figures corrected
  with a note, and PostgreSQL keeps the history of every change.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
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

from indicators import permissions, services
from indicators.api.filters import EVERY_COLONIA, IndicatorFilter, ObservationFilter
from indicators.api.serializers import (
    IndicatorCreateSerializer,
    IndicatorDetailSerializer,
    IndicatorSerializer,
    IndicatorUpdateSerializer,
    ObservationCorrectSerializer,
    ObservationCreateSerializer,
    ObservationSerializer,
    TargetSetSerializer,
)
from indicators.figures import summaries
from indicators.models import Indicator, Observation
from meetings.api.serializers import MAX_ID
from mesa import permissions as mesa_permissions
from mesa.api.base import sent_fields, table_from_input
from mesa.models import Table
from subcommittees.models import Subcommittee

_ERROR = inline_serializer("IndicatorsErrorResponse", {"detail": serializers.CharField()})
_FORBIDDEN = OpenApiResponse(_ERROR, description="You may see the indicator but not do this.")
_BAD = OpenApiResponse(description="Invalid input (a JSON body naming each field), or not possible "
                       "with the indicator's figures.")
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such indicator, or one you may not see.")
_OBSERVATION_NOT_FOUND = OpenApiResponse(_ERROR, description="No such indicator or figure, or one you "
                                         "may not see.")
# Fields a PATCH never changes: they say what the figures are.
_FIXED = ("code", "table", "justice_stage")



def _subcommittee_of(table: Table, slug: str) -> Subcommittee:
    subcommittee = Subcommittee.objects.select_related("table").filter(table=table, slug=slug).first()
    if subcommittee is None:
        raise exceptions.ValidationError(
            {"subcommittee": [gettext("This table has no subcommittee with this slug.")]})
    return subcommittee


def _observations_queryset(indicator: Indicator):
    """What the list of an indicator's figures reads, in a fixed number of queries."""
    return (Observation.objects.filter(indicator=indicator)
            .select_related("indicator__table", "entered_by")
            .order_by("period_start", "colonia", "pk"))


@extend_schema_view(
    list=extend_schema(
        summary="List the indicators you may see",
        description="Performance indicators of the tables open to non-members for everyone, of the "
        "others for their members; in the table's order. Each with its baseline, targets and what "
        "the figures say (`summary`): the latest figure, the target in force, the figure expected at "
        "that period, on track or not, and the change against the baseline and a year earlier. "
        "`name` is in the request's language.",
    ),
    retrieve=extend_schema(
        summary="An indicator: definition, baseline, targets, summary of the figures",
        responses={200: IndicatorDetailSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add an indicator to a table (the secretariat and the performance-indicators "
        "coordinators)",
        description="The code is unique in the table; one indicator per step of the justice chain. "
        "The owning subcommittee (by default the performance-indicators one) has its coordinators "
        "enter the figures, with the secretariat. A baseline may be given at once (value and period).",
        request=IndicatorCreateSerializer,
        responses={201: IndicatorDetailSerializer, 400: _BAD, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change an indicator or its baseline (whoever enters its figures)",
        description="Names, source, methodology, direction, owning subcommittee, colonia breakdown, "
        "baseline (value and period together; both null to remove it), and whether it is in use. "
        "Fields left out keep their value. The unit and the frequency change only until figures "
        "exist; the code, the table and the step of the justice chain never change.",
        request=IndicatorUpdateSerializer,
        responses={200: IndicatorDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Performance indicators (indicadores de desempeño) of the tables, their baselines and
    targets, and their figures per period. Never deleted."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    queryset = Indicator.objects.none()  # the real one depends on the requester
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (Indicator.objects.visible_to(self.request.user)
                .select_related("table", "subcommittee")
                .order_by("table_id", "position", "pk"))

    def filter_queryset(self, queryset):
        # Filters are the list's; an indicator's own address ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    # --- Reading ---------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "summaries": summaries(page)}
        return self.get_paginated_response(IndicatorSerializer(page, many=True, context=context).data)

    def _represent(self, indicator: Indicator, status_code: int = status.HTTP_200_OK, *,
                   reload: bool = True) -> Response:
        if reload:
            # Read again after a write, with everything a read shows.
            indicator = Indicator.objects.select_related("table", "subcommittee").get(pk=indicator.pk)
        user = self.request.user
        context = {
            **self.get_serializer_context(),
            "summaries": summaries([indicator]),
            "viewer": {
                "can_enter_data": permissions.can_enter_data(user, indicator),
                "can_define_indicators": permissions.can_define_indicators(user, indicator.table),
            },
        }
        return Response(IndicatorDetailSerializer(indicator, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._represent(self.get_object(), reload=False)

    def _indicator_for(self, rule) -> Indicator:
        """The indicator of the address (404 unless visible), 403 unless `rule` holds."""
        indicator = self.get_object()
        if not rule(self.request.user, indicator):
            raise PermissionDenied
        return indicator

    # --- Defining indicators -----------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        user = request.user
        table = table_from_input(request, permissions.can_define_indicators)
        serializer = IndicatorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subcommittee = _subcommittee_of(table, data["subcommittee"]) if data["subcommittee"] else None
        baseline = {name: data[name] for name in ("baseline_value", "baseline_period") if name in data}
        indicator = services.indicator_create(
            table=table,
            actor=user,
            code=data["code"],
            name_es=data["name_es"],
            name_en=data["name_en"],
            unit=data["unit"],
            direction=data["direction"],
            frequency=data["frequency"],
            source=data["source"],
            methodology=data["methodology"],
            subcommittee=subcommittee,
            by_colonia=data["by_colonia"],
            justice_stage=data["justice_stage"] or "",
            **baseline,
        )
        return self._represent(indicator, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        indicator = self._indicator_for(permissions.can_enter_data)
        fixed = sorted(sent_fields(request) & set(_FIXED))
        if fixed:
            raise exceptions.ValidationError({field: [gettext("This never changes.")] for field in fixed})
        serializer = IndicatorUpdateSerializer(data=request.data, partial=True, frequency=indicator.frequency)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "subcommittee" in data:
            data["subcommittee"] = _subcommittee_of(indicator.table, data["subcommittee"])
        if data:
            services.indicator_update(indicator=indicator, actor=request.user, **data)
        return self._represent(indicator)

    @extend_schema(
        summary="Set a target (whoever enters its figures)",
        description="A value to reach by a date, after the baseline period. Sending a date that already "
        "has a target changes it; the history keeps the earlier value.",
        request=TargetSetSerializer,
        responses={200: IndicatorDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def targets(self, request, *args, **kwargs):
        indicator = self._indicator_for(permissions.can_enter_data)
        serializer = TargetSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.target_set(indicator=indicator, actor=request.user, **serializer.validated_data)
        return self._represent(indicator)

    # --- Figures -----------------------------------------------------------------------------

    def _observation_context(self, indicator: Indicator) -> dict:
        return {**self.get_serializer_context(),
                "shows_names": mesa_permissions.can_view_member_list(self.request.user, indicator.table)}

    @extend_schema(
        summary="An indicator's figures, oldest period first",
        description="By default the whole table's figures: the series the pages chart. Who entered "
        "each figure is named to the table's members only.",
        parameters=[
            OpenApiParameter("colonia", OpenApiTypes.STR, description=(
                "Left out: the whole table's figures; a colonia's name: its figures; "
                f"`{EVERY_COLONIA}`: every figure, the whole table's and each colonia's.")),
            OpenApiParameter("from", OpenApiTypes.STR, description=(
                "The first period, as written (2026-03, 2026-W09, 2026-Q1) or any day in it.")),
            OpenApiParameter("to", OpenApiTypes.STR, description=(
                "The last period, as written (2026-03, 2026-W09, 2026-Q1) or any day in it.")),
        ],
        responses={200: ObservationSerializer(many=True), 400: _BAD, 404: _NOT_FOUND},
        filters=False,  # the indicator list's filters are not the figures'
    )
    @action(detail=True, methods=["get"], url_path="observations", url_name="observations")
    def observations(self, request, *args, **kwargs):
        indicator = self.get_object()
        filterset = ObservationFilter(request.query_params, queryset=_observations_queryset(indicator),
                                      indicator=indicator)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        data = ObservationSerializer(page, many=True, context=self._observation_context(indicator)).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Enter a figure (whoever enters the indicator's figures)",
        description="One figure per period (and colonia, for indicators broken down by colonia). The "
        "period is one of the indicator's (a month, an ISO week or a quarter) that has started; the "
        "value is at least 0, and at most 100 for a percentage. A period that has a figure is "
        "corrected instead.",
        request=ObservationCreateSerializer,
        responses={201: ObservationSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @observations.mapping.post
    def observation_create(self, request, *args, **kwargs):
        indicator = self._indicator_for(permissions.can_enter_data)
        serializer = ObservationCreateSerializer(data=request.data, indicator=indicator)
        serializer.is_valid(raise_exception=True)
        observation = services.observation_record(indicator=indicator, actor=request.user,
                                                  **serializer.validated_data)
        observation = _observations_queryset(indicator).get(pk=observation.pk)
        return Response(ObservationSerializer(observation, context=self._observation_context(indicator)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a figure, saying why (whoever enters the indicator's figures)",
        description="The history keeps the earlier value and who entered it.",
        parameters=[OpenApiParameter("observation_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The figure's id.")],
        request=ObservationCorrectSerializer,
        responses={200: ObservationSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _OBSERVATION_NOT_FOUND},
    )
    @action(detail=True, methods=["patch"], url_path=r"observations/(?P<observation_pk>[0-9]+)",
            url_name="observation")
    def observation_correct(self, request, *args, observation_pk: str, **kwargs):
        indicator = self.get_object()
        if len(observation_pk) > 10 or int(observation_pk) > MAX_ID:
            raise exceptions.NotFound
        observation = get_object_or_404(Observation, indicator=indicator, pk=int(observation_pk))
        if not permissions.can_enter_data(request.user, indicator):
            raise PermissionDenied
        serializer = ObservationCorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.observation_correct(observation=observation, actor=request.user, **serializer.validated_data)
        observation = _observations_queryset(indicator).get(pk=observation.pk)
        return Response(ObservationSerializer(observation, context=self._observation_context(indicator)).data)
