"""The sessions, agreements and proposals API: exactly the rules of the pages.

- What a person may see: meetings.querysets (visible_to), the one rule; a
  record you may not see answers 404, whatever you asked to do with it.
- What a person may do: meetings.permissions (403 when you may see it but not
  do this), checked before the body is validated, so someone without the power
  learns nothing from error messages.
- Writes go through meetings.services; their ValidationError is a 400 JSON
  body naming the field (mesa.api.exceptions).
- Times are shown on the table's clocks with the offset, and read there when
  sent without one (see meetings.api.serializers).
- Nothing is deleted: agreements and minutes are never rewritten, sessions are
  cancelled, agreements withdrawn.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from concerns.models import Concern
from meetings import permissions, selectors, services
from meetings.api.filters import AgreementFilter, ProposalFilter, SessionFilter
from meetings.api.serializers import (
    AgendaItemCreateSerializer,
    AgendaItemSerializer,
    AgreementCreateSerializer,
    AgreementSerializer,
    AgreementSessionSerializer,
    AttendanceSerializer,
    MeetingReasonSerializer,
    MinutesCorrectionSerializer,
    MinutesTextSerializer,
    ProposalCreateSerializer,
    ProposalDecideSerializer,
    ProposalHeadSerializer,
    ProposalSerializer,
    ProposalSubmitSerializer,
    ProposalUpdateSerializer,
    RescheduleSerializer,
    RsvpSerializer,
    SessionCreateSerializer,
    SessionDetailSerializer,
    SessionHeadSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
)
from meetings.models import (
    RSVP,
    AgendaItem,
    Agreement,
    Attendance,
    InstitutionPresence,
    Minutes,
    Proposal,
    Session,
    SessionChange,
    SessionStatus,
)
from mesa.api.base import sent_fields, table_from_input
from mesa.models import Membership, Role, Table
from mesa.querysets import PUBLIC_FACING_ROLES
from subcommittees import permissions as subcommittee_permissions
from subcommittees.models import Subcommittee

_ERROR = inline_serializer("MeetingsErrorResponse", {"detail": serializers.CharField()})
_FORBIDDEN = OpenApiResponse(_ERROR, description="You may see it but not do this.")
_BAD = OpenApiResponse(description="Invalid input (a JSON body naming each field), or not possible "
                       "in the current state.")
_SESSION_NOT_FOUND = OpenApiResponse(_ERROR, description="No such session, or one you may not see.")
_AGREEMENT_NOT_FOUND = OpenApiResponse(_ERROR, description="No such agreement, or one you may not see.")
_PROPOSAL_NOT_FOUND = OpenApiResponse(_ERROR, description="No such proposal, or one you may not see.")



def _readable_concerns(user):
    return Concern.objects.visible_to(user).order_by("pk")


def _readable_proposals(user):
    return Proposal.objects.visible_to(user).order_by("pk")


def _subcommittee_of(table: Table, slug: str | None) -> Subcommittee | None:
    if slug is None:
        return None
    subcommittee = Subcommittee.objects.select_related("table").filter(table=table, slug=slug).first()
    if subcommittee is None:
        raise exceptions.ValidationError(
            {"subcommittee": [gettext("This table has no subcommittee with this slug.")]}
        )
    return subcommittee



# --- Sessions --------------------------------------------------------------------------


def _session_detail_queryset(queryset, user):
    """What a session's page reads, in a fixed number of queries."""
    agenda_items = AgendaItem.objects.order_by("position").prefetch_related(
        Prefetch("concerns", queryset=_readable_concerns(user), to_attr="visible_concerns"),
        Prefetch("proposals", queryset=_readable_proposals(user), to_attr="visible_proposals"),
    )
    return queryset.select_related("table", "subcommittee").prefetch_related(
        "invited_institutions",
        Prefetch("agenda_items", queryset=agenda_items),
        Prefetch("attendances", queryset=Attendance.objects.select_related("user", "institution")
                 .order_by("user__display_name", "pk")),
        Prefetch("institution_presences", queryset=InstitutionPresence.objects
                 .select_related("institution").order_by("institution__name", "pk")),
        Prefetch("minutes", queryset=Minutes.objects.order_by("version")),
        Prefetch("agreements", queryset=Agreement.objects.order_by("number")),
        Prefetch("changes", queryset=SessionChange.objects.order_by("created_at", "pk")),
    )


def _attendance_summary(user, session: Session, organise: bool) -> dict:
    attendances = list(session.attendances.all())
    recorded = session.status == SessionStatus.HELD or bool(attendances)
    required = selectors.quorum_required(session)
    reached = None if required is None or not recorded else len(attendances) >= required
    if organise:
        named = "all"
    elif permissions.can_see_public_facing_attendees(user, session):
        named = "public_facing"
    else:
        named = None
    attendees = None
    if named is not None:
        # The role each person holds at the table, as the pages show it: someone who
        # left since, or whose claim is not verified yet, counts as a citizen.
        roles = {
            m.user_id: m.role if m.is_verified else Role.CITIZEN
            for m in Membership.objects.active().filter(
                table=session.table, user_id__in=[a.user_id for a in attendances])
        }
        attendees = [
            {"id": a.user_id, "display_name": a.user.display_name,
             "role": roles.get(a.user_id, Role.CITIZEN), "institution": a.institution}
            for a in attendances
            if named == "all" or roles.get(a.user_id) in PUBLIC_FACING_ROLES
        ]
    return {
        "recorded": recorded,
        "present_count": len(attendances),
        "quorum_required": required,
        "quorum_reached": reached,
        "institutions_present": list(session.institution_presences.all()),
        "attendees": attendees,
    }


class _MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only by default; writes are the actions each viewset adds."""

    def filter_queryset(self, queryset):
        # Filters and ordering are the list's; a record's own address ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _represent(self, record, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as a read shows it, read again after a write."""
        record = self.get_queryset().get(pk=record.pk)
        serializer = self.serializer_class(record, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)


@extend_schema_view(
    list=extend_schema(
        summary="List the sessions you may see",
        description="Plenaries and subcommittee sessions. Open sessions of public tables for everyone; "
        "the others for the table's members. Earliest first, unless `when` says otherwise. Times are "
        "on the clocks of each session's table, with the offset; `time_zone` names the zone.",
    ),
    retrieve=extend_schema(
        summary="A session: agenda, attendance, minutes, agreements and timeline",
        description="The agenda once it is published (the organisers see it before); attendees by "
        "name only as the table's rules allow; approved minutes for everyone who sees the session, "
        "the draft only for its organisers.",
        responses={200: SessionDetailSerializer, 404: _SESSION_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Schedule a session",
        description="The table's secretariat schedules plenaries and any session; a subcommittee's "
        "coordinators schedule its sessions. Times without an offset are read on the table's clocks.",
        request=SessionCreateSerializer,
        responses={201: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a session's details (its organisers)",
        description="Title, place, online link, description, openness, quorum and invited "
        "institutions. The time changes only through `reschedule`: starts_at or ends_at here is a 400.",
        request=SessionUpdateSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    ),
)
class SessionViewSet(_MeetingViewSet):
    """Plenaries of a table and sessions of its subcommittees. Never deleted:
    cancelled with a reason; rescheduling keeps the old time in the timeline."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    queryset = Session.objects.none()  # the real one depends on the requester

    def get_queryset(self):
        queryset = Session.objects.visible_to(self.request.user).with_list_data()
        if self.action == "retrieve":
            return _session_detail_queryset(queryset, self.request.user)
        return queryset

    def _detail_context(self, session: Session) -> dict:
        user = self.request.user
        organise = permissions.can_organise(user, session)
        rsvp = None
        if user.is_authenticated:
            rsvp = RSVP.objects.filter(session=session, user=user).values_list("answer", flat=True).first()
        return {
            **self.get_serializer_context(),
            "show_agenda": organise or session.is_agenda_published,
            "show_draft_minutes": permissions.can_view_draft_minutes(user, session),
            "attendance": _attendance_summary(user, session, organise),
            "viewer": {
                "can_organise": organise,
                "can_approve_minutes": permissions.can_approve_minutes(user, session),
                "can_rsvp": permissions.can_rsvp(user, session),
                "rsvp": rsvp,
            },
        }

    def _represent(self, session: Session, status_code: int = status.HTTP_200_OK, *,
                   reload: bool = True) -> Response:
        if reload:
            # Read again after a write, with everything the page shows.
            session = _session_detail_queryset(Session.objects.all(), self.request.user).get(pk=session.pk)
        data = SessionDetailSerializer(session, context=self._detail_context(session)).data
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._represent(self.get_object(), reload=False)

    def _session_for(self, rule) -> Session:
        """The session of the address (404 unless visible), 403 unless `rule` holds."""
        session = self.get_object()
        if not rule(self.request.user, session):
            raise PermissionDenied
        return session

    def _organised(self) -> Session:
        return self._session_for(permissions.can_organise)

    def create(self, request, *args, **kwargs):
        user = request.user
        table = table_from_input(request, permissions.can_schedule_anything)
        head = SessionHeadSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        subcommittee = _subcommittee_of(table, head.validated_data["subcommittee"])
        if not permissions.can_schedule(user, table, subcommittee):
            raise PermissionDenied
        serializer = SessionCreateSerializer(data=request.data, table=table)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = services.session_schedule(
            table=table,
            actor=user,
            subcommittee=subcommittee,
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            online_url=data["online_url"],
            description=data["description"],
            is_public=data["is_public"],
            quorum=data["quorum"],
            invited_institutions=data["invited_institutions"],
        )
        return self._represent(session, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        session = self._organised()
        moved = sorted(sent_fields(request) & {"starts_at", "ends_at"})
        if moved:
            message = gettext("The time of a session changes only by rescheduling it (POST to its "
                              "reschedule address with starts_at, ends_at and a reason).")
            raise exceptions.ValidationError({field: [message] for field in moved})
        serializer = SessionUpdateSerializer(data=request.data, partial=True, table=session.table)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data:
            services.session_update(
                session=session,
                actor=request.user,
                title=data.get("title", session.title),
                place=data.get("place", session.place),
                online_url=data.get("online_url", session.online_url),
                description=data.get("description", session.description),
                is_public=data.get("is_public", session.is_public),
                quorum=data["quorum"] if "quorum" in data else session.quorum,
                invited_institutions=data.get("invited_institutions"),
            )
        return self._represent(session)

    @extend_schema(
        summary="Move a session to another time (its organisers)",
        description="The old time stays in the timeline and calendars get the new one. Times "
        "without an offset are read on the table's clocks.",
        request=RescheduleSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, *args, **kwargs):
        session = self._organised()
        serializer = RescheduleSerializer(data=request.data, table=session.table)
        serializer.is_valid(raise_exception=True)
        services.session_reschedule(session=session, actor=request.user, **serializer.validated_data)
        return self._represent(session)

    @extend_schema(
        summary="Cancel a session, with a reason (its organisers)",
        request=MeetingReasonSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        session = self._organised()
        serializer = MeetingReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_cancel(session=session, actor=request.user,
                                reason=serializer.validated_data["reason"])
        return self._represent(session)

    @extend_schema(
        summary="Say whether you will come (the table's members)",
        description="Sending it again changes your answer.",
        request=RsvpSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def rsvp(self, request, *args, **kwargs):
        session = self._session_for(permissions.can_rsvp)
        serializer = RsvpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rsvp_set(session=session, user=request.user, answer=serializer.validated_data["answer"])
        return self._represent(session)

    @extend_schema(
        summary="Record who attended and which institutions were present (its organisers)",
        description="Replaces an earlier record; recording attendance marks the session held. Each "
        "institution is kept at its government level on the day.",
        request=AttendanceSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request, *args, **kwargs):
        session = self._organised()
        serializer = AttendanceSerializer(data=request.data, table=session.table)
        serializer.is_valid(raise_exception=True)
        services.attendance_record(session=session, actor=request.user, **serializer.validated_data)
        return self._represent(session)

    @extend_schema(
        summary="Add an item at the end of the agenda (its organisers)",
        description="Linked concerns and proposals must be of the session's table (and proposals "
        "submitted, not drafts).",
        request=AgendaItemCreateSerializer,
        responses={201: AgendaItemSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def agenda(self, request, *args, **kwargs):
        session = self._organised()
        user = request.user
        serializer = AgendaItemCreateSerializer(data=request.data, table=session.table, user=user)
        serializer.is_valid(raise_exception=True)
        item = services.agenda_item_add(session=session, **serializer.validated_data)
        item = AgendaItem.objects.prefetch_related(
            Prefetch("concerns", queryset=_readable_concerns(user), to_attr="visible_concerns"),
            Prefetch("proposals", queryset=_readable_proposals(user), to_attr="visible_proposals"),
        ).get(pk=item.pk)
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the agenda to the table's members now (its organisers)",
        description="Otherwise members see it the table's usual number of days before the session.",
        request=None,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def publish_agenda(self, request, *args, **kwargs):
        session = self._organised()
        services.agenda_publish(session=session, actor=request.user)
        return self._represent(session)

    @extend_schema(
        summary="Write the draft minutes (its organisers)",
        description="Writes or rewrites the draft once the session has started. Approved minutes "
        "never change: this is a 400 once they are approved (write a correction instead).",
        request=MinutesTextSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def minutes(self, request, *args, **kwargs):
        session = self._organised()
        serializer = MinutesTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.minutes_draft(session=session, actor=request.user, text=serializer.validated_data["text"])
        return self._represent(session)

    @extend_schema(
        summary="Correct approved minutes with a new version (its organisers)",
        description="A new version naming the one it corrects and why; both stay visible. It is "
        "approved like any draft.",
        request=MinutesCorrectionSerializer,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def minutes_correct(self, request, *args, **kwargs):
        session = self._organised()
        serializer = MinutesCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.minutes_correct(session=session, actor=request.user, **serializer.validated_data)
        return self._represent(session)

    @extend_schema(
        summary="Approve the minutes waiting for approval (the table's secretariat)",
        description="From then on they never change.",
        request=None,
        responses={200: SessionDetailSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def minutes_approve(self, request, *args, **kwargs):
        session = self._session_for(permissions.can_approve_minutes)
        draft = session.minutes.filter(approved_at__isnull=True).first()
        if draft is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [gettext("No minutes are waiting for approval.")]}
            )
        services.minutes_approve(minutes=draft, actor=request.user)
        return self._represent(session)


# --- Agreements ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the agreements you may see",
        description="Agreements of the sessions you may see, withdrawn ones included (see "
        "`withdrawn`). Linked concerns and proposals only where you may read them.",
    ),
    retrieve=extend_schema(
        summary="An agreement",
        responses={200: AgreementSerializer, 404: _AGREEMENT_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record an agreement at a session (its organisers)",
        description="Numbered within the session (PL-2027-03/3). Proposals it adopts become agreed. "
        "Every id must be of the session's table. Agreements are never rewritten or deleted.",
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer, 400: _BAD, 403: _FORBIDDEN},
    ),
)
class AgreementViewSet(_MeetingViewSet):
    """Agreements (acuerdos): the source of commitments. Never changed or
    deleted (the database refuses it too): withdrawn, with a reason."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    queryset = Agreement.objects.none()  # the real one depends on the requester

    def get_queryset(self):
        user = self.request.user
        return Agreement.objects.visible_to(user).with_list_data().prefetch_related(
            Prefetch("concerns", queryset=_readable_concerns(user), to_attr="visible_concerns"),
            Prefetch("proposals", queryset=_readable_proposals(user), to_attr="visible_proposals"),
        )

    def create(self, request, *args, **kwargs):
        user = request.user
        head = AgreementSessionSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        session = (Session.objects.visible_to(user).select_related("table", "subcommittee")
                   .filter(pk=head.validated_data["session"]).first())
        if session is None:
            raise exceptions.ValidationError({"session": [gettext("There is no such session.")]})
        if not permissions.can_organise(user, session):
            raise PermissionDenied
        serializer = AgreementCreateSerializer(data=request.data, table=session.table, user=user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agreement = services.agreement_record(
            session=session,
            actor=user,
            text=data["text"],
            concerns=data["concerns"],
            proposals=data["proposals"],
            responsible_institutions=data["responsible_institutions"],
        )
        return self._represent(agreement, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw an agreement, with a reason (the table's secretariat)",
        description="The text stays; the withdrawal is added to it.",
        request=MeetingReasonSerializer,
        responses={200: AgreementSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _AGREEMENT_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        agreement = self.get_object()
        if not permissions.can_withdraw_agreement(request.user, agreement):
            raise PermissionDenied
        serializer = MeetingReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.agreement_withdraw(agreement=agreement, actor=request.user,
                                    reason=serializer.validated_data["reason"])
        return self._represent(agreement)


# --- Proposals -------------------------------------------------------------------------


def _coordinates_at(user, table: Table) -> bool:
    """The secretariat, or a coordinator of one of the table's subcommittees."""
    return bool(subcommittee_permissions.subcommittees_triaged_by(user, table))


@extend_schema_view(
    list=extend_schema(
        summary="List the proposals you may see",
        description="Submitted proposals like the table's other content; drafts only for the "
        "coordinators of their subcommittee and the table's secretariat. Newest first.",
    ),
    retrieve=extend_schema(
        summary="A proposal",
        responses={200: ProposalSerializer, 404: _PROPOSAL_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Draft a proposal (the subcommittee's coordinators, the secretariat)",
        description="Named by its table's slug and its subcommittee's slug; it comes from at least "
        "one concern of the table.",
        request=ProposalCreateSerializer,
        responses={201: ProposalSerializer, 400: _BAD, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a draft proposal (the subcommittee's coordinators, the secretariat)",
        description="Only a draft changes; fields left out keep their value.",
        request=ProposalUpdateSerializer,
        responses={200: ProposalSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _PROPOSAL_NOT_FOUND},
    ),
)
class ProposalViewSet(_MeetingViewSet):
    """What subcommittees ask of authorities: drafted from concerns, submitted
    to a plenary, then discussed, agreed (by an agreement) or rejected."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    queryset = Proposal.objects.none()  # the real one depends on the requester

    def get_queryset(self):
        user = self.request.user
        return Proposal.objects.visible_to(user).with_list_data().prefetch_related(
            Prefetch("concerns", queryset=_readable_concerns(user), to_attr="visible_concerns"),
        )

    def _proposal_for(self, rule) -> Proposal:
        proposal = self.get_object()
        if not rule(self.request.user, proposal):
            raise PermissionDenied
        return proposal

    def create(self, request, *args, **kwargs):
        user = request.user
        table = table_from_input(request, _coordinates_at)
        head = ProposalHeadSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        subcommittee = _subcommittee_of(table, head.validated_data["subcommittee"])
        if not permissions.can_draft_proposal(user, subcommittee):
            raise PermissionDenied
        if subcommittee.is_archived:
            raise exceptions.ValidationError(
                {"subcommittee": [gettext("This subcommittee is archived.")]}
            )
        serializer = ProposalCreateSerializer(data=request.data, table=table, user=user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = services.proposal_create(
            subcommittee=subcommittee,
            actor=user,
            title=data["title"],
            request=data["request"],
            concerns=data["concerns"],
            institution=data["institution"],
            quantity=data["quantity"],
            unit=data["unit"],
        )
        return self._represent(proposal, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        proposal = self._proposal_for(permissions.can_edit_proposal)
        serializer = ProposalUpdateSerializer(data=request.data, partial=True, table=proposal.table,
                                              user=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.proposal_update(
            proposal=proposal,
            title=data.get("title", proposal.title),
            request=data.get("request", proposal.request),
            concerns=data["concerns"] if "concerns" in data else list(proposal.concerns.all()),
            institution=data["institution"] if "institution" in data else proposal.institution,
            quantity=data["quantity"] if "quantity" in data else proposal.quantity,
            unit=data.get("unit", proposal.unit),
        )
        return self._represent(proposal)

    @extend_schema(
        summary="Submit a draft to an upcoming plenary (the subcommittee's coordinators, the secretariat)",
        request=ProposalSubmitSerializer,
        responses={200: ProposalSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _PROPOSAL_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        proposal = self._proposal_for(permissions.can_edit_proposal)
        serializer = ProposalSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = Session.objects.filter(table_id=proposal.table_id,
                                         pk=serializer.validated_data["session"]).first()
        if session is None:
            raise exceptions.ValidationError(
                {"session": [gettext("Choose an upcoming plenary of this table.")]}
            )
        services.proposal_submit(proposal=proposal, session=session)
        return self._represent(proposal)

    @extend_schema(
        summary="Mark a submitted proposal discussed or rejected (the table's secretariat)",
        description="A rejection needs a note saying why. A proposal is agreed by recording an "
        "agreement that adopts it.",
        request=ProposalDecideSerializer,
        responses={200: ProposalSerializer, 400: _BAD, 403: _FORBIDDEN, 404: _PROPOSAL_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        proposal = self._proposal_for(permissions.can_decide_proposal)
        serializer = ProposalDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_decide(proposal=proposal, **serializer.validated_data)
        return self._represent(proposal)
