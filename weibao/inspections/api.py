"""/api/v1/inspections/: teams, members, patrols, findings (with the meeting's decision and the
other steps) and the 四位一体 meetings. Scope and rules come from the selectors and services;
these views only translate HTTP to them. A finding's photo is taken on the web page only."""

from functools import partial

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import (
    CONFLICT,
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    post_action,
    step_responses,
)
from weibao.core.scope import get_or_404
from weibao.inspections import services
from weibao.inspections.choices import FindingState
from weibao.inspections.selectors import (
    findings_visible_to,
    meetings_visible_to,
    members_visible_to,
    patrols_visible_to,
    sees_inspections,
    teams_visible_to,
    visible_child_ids,
)
from weibao.inspections.serializers import (
    InspectionAgendaSerializer,
    InspectionCloseSerializer,
    InspectionDecisionSerializer,
    InspectionFindingCreateSerializer,
    InspectionFindingFilterSerializer,
    InspectionFindingSerializer,
    InspectionMeetingCreateSerializer,
    InspectionMeetingInputSerializer,
    InspectionMeetingSerializer,
    InspectionMemberCreateSerializer,
    InspectionMemberLeaveSerializer,
    InspectionMemberSerializer,
    InspectionPatrolCreateSerializer,
    InspectionPatrolSerializer,
    InspectionResolveSerializer,
    InspectionTeamCreateSerializer,
    InspectionTeamFilterSerializer,
    InspectionTeamItemsFilterSerializer,
    InspectionTeamSerializer,
    InspectionVersionOnlySerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such object, or not one you may see.")
_NO_TEAMS = OpenApiResponse(description="You have no area role (no inspection teams).")
_OUT_OF_TURN = OpenApiResponse(description="Not yours to do.")


def _require(user) -> None:
    if not sees_inspections(user):
        raise Http404


class _Base(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def _represent(self, record, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(get_or_404(self.get_queryset(), record.pk)).data, status=code
        )

    def _team_filtered(self, queryset):
        params = InspectionTeamItemsFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("team"):
            queryset = queryset.filter(team_id=params.validated_data["team"])
        return queryset


# --- teams ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Inspection teams (儿童考察团) you may see",
        parameters=[InspectionTeamFilterSerializer],
        responses={200: InspectionTeamSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One team", responses={200: InspectionTeamSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Start the team of a residential area",
        request=InspectionTeamCreateSerializer,
        responses={201: InspectionTeamSerializer, 400: INVALID, 404: _NO_TEAMS},
    ),
)
class TeamViewSet(_Base):
    serializer_class = InspectionTeamSerializer

    def get_queryset(self):
        return teams_visible_to(self.request.user).select_related("community")

    def list(self, request: Request) -> Response:
        params = InspectionTeamFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        teams = self.get_queryset()
        if params.validated_data.get("community"):
            teams = teams.filter(community_id=params.validated_data["community"])
        return self.paginated(teams.order_by("community_id"))

    def create(self, request: Request) -> Response:
        _require(request.user)
        data = self.validated(InspectionTeamCreateSerializer)
        team = services.team_create(
            actor=request.user, community=data["community"], name=data.get("name", "")
        )
        return self._represent(team, status.HTTP_201_CREATED)


# --- members ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Members of the teams you may see (a child's name only where you may see them)",
        parameters=[InspectionTeamItemsFilterSerializer],
        responses={200: InspectionMemberSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One member", responses={200: InspectionMemberSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Put a registered child on the team, with the guardian's consent",
        request=InspectionMemberCreateSerializer,
        responses={201: InspectionMemberSerializer, 400: INVALID, 404: _NO_TEAMS},
    ),
)
class MemberViewSet(_Base):
    serializer_class = InspectionMemberSerializer
    record_keyword = "member"

    def get_queryset(self):
        return members_visible_to(self.request.user).select_related("child")

    def get_serializer(self, instance=None, *args, **kwargs):
        rows = instance if kwargs.get("many") else [instance] if instance is not None else []
        context = self.get_serializer_context()
        context["visible_children"] = visible_child_ids(
            self.request.user, [m.child_id for m in rows]
        )
        return InspectionMemberSerializer(instance, *args, context=context, **kwargs)

    def list(self, request: Request) -> Response:
        return self.paginated(self._team_filtered(self.get_queryset()).order_by("team_id", "pk"))

    def create(self, request: Request) -> Response:
        _require(request.user)
        data = dict(self.validated(InspectionMemberCreateSerializer))
        team, child = data.pop("team"), data.pop("child")
        member = services.member_add(actor=request.user, team=team, child=child, data=data)
        return self._represent(member, status.HTTP_201_CREATED)

    @post_action(
        "Record that the child left the team",
        InspectionMemberLeaveSerializer,
        {200: InspectionMemberSerializer, 400: INVALID, 404: _NOT_FOUND},
    )
    def leave(self, request: Request, pk: int) -> Response:
        member = self.get_object()
        data = self.validated(InspectionMemberLeaveSerializer)
        member = services.member_leave(actor=request.user, member=member, left_on=data["left_on"])
        return self._represent(member)


# --- patrols ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Patrols of the teams you may see",
        parameters=[InspectionTeamItemsFilterSerializer],
        responses={200: InspectionPatrolSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One patrol", responses={200: InspectionPatrolSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Record a patrol: its day, route, the members who went and the adults with them",
        request=InspectionPatrolCreateSerializer,
        responses={201: InspectionPatrolSerializer, 400: INVALID, 404: _NO_TEAMS},
    ),
)
class PatrolViewSet(_Base):
    serializer_class = InspectionPatrolSerializer

    def get_queryset(self):
        return patrols_visible_to(self.request.user).prefetch_related("members")

    def list(self, request: Request) -> Response:
        return self.paginated(
            self._team_filtered(self.get_queryset()).order_by("-patrolled_on", "-pk")
        )

    def create(self, request: Request) -> Response:
        _require(request.user)
        data = dict(self.validated(InspectionPatrolCreateSerializer))
        team = data.pop("team")
        patrol = services.patrol_create(actor=request.user, team=team, data=data)
        return self._represent(patrol, status.HTTP_201_CREATED)


# --- meetings ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="四位一体 meetings of the residential areas you may see",
        parameters=[InspectionTeamItemsFilterSerializer],
        responses={200: InspectionMeetingSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One meeting, with its agenda (finding ids)",
        responses={200: InspectionMeetingSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a 四位一体 meeting and put findings on its agenda",
        request=InspectionMeetingCreateSerializer,
        responses={201: InspectionMeetingSerializer, 400: INVALID, 404: _NO_TEAMS},
    ),
    partial_update=extend_schema(
        summary="Change a meeting's day, who attended, its notes",
        request=InspectionMeetingInputSerializer,
        responses={200: InspectionMeetingSerializer, 400: INVALID, 404: _NOT_FOUND},
    ),
)
class MeetingViewSet(_Base):
    serializer_class = InspectionMeetingSerializer

    def get_queryset(self):
        return meetings_visible_to(self.request.user).prefetch_related("agenda")

    def list(self, request: Request) -> Response:
        return self.paginated(self._team_filtered(self.get_queryset()).order_by("-held_on", "-pk"))

    def create(self, request: Request) -> Response:
        _require(request.user)
        data = dict(self.validated(InspectionMeetingCreateSerializer))
        team, findings = data.pop("team"), data.pop("findings", [])
        meeting = services.meeting_create(
            actor=request.user, team=team, data=data, findings=findings
        )
        return self._represent(meeting, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        meeting = self.get_object()
        data = self.validated(InspectionMeetingInputSerializer)
        merged = {"held_on": meeting.held_on, "parties": meeting.parties, "notes": meeting.notes}
        merged.update(data)
        meeting = services.meeting_update(actor=request.user, meeting=meeting, data=merged)
        return self._represent(meeting)


# --- findings ---------------------------------------------------------------------------------

_STEP = step_responses(InspectionFindingSerializer, forbidden=_OUT_OF_TURN, not_found=_NOT_FOUND,
                       conflict=CONFLICT)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="Findings of the teams you may see",
        parameters=[InspectionFindingFilterSerializer],
        responses={200: InspectionFindingSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One finding", responses={200: InspectionFindingSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Record what a patrol found (the photo is taken on the web page)",
        request=InspectionFindingCreateSerializer,
        responses={201: InspectionFindingSerializer, 400: INVALID, 404: _NO_TEAMS},
    ),
)
class FindingViewSet(_Base):
    serializer_class = InspectionFindingSerializer
    record_keyword = "finding"

    def get_queryset(self):
        return findings_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        params = InspectionFindingFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        findings = self.get_queryset()
        if data.get("team"):
            findings = findings.filter(team_id=data["team"])
        if data.get("state"):
            findings = findings.filter(state=data["state"])
        if data.get("overdue") is not None:
            late = {"state": FindingState.IN_PROGRESS, "due_on__lt": timezone.localdate()}
            findings = findings.filter(**late) if data["overdue"] else findings.exclude(**late)
        return self.paginated(findings.order_by("-pk"))

    def create(self, request: Request) -> Response:
        _require(request.user)
        data = dict(self.validated(InspectionFindingCreateSerializer))
        patrol = data["patrol"]
        finding = services.finding_create(actor=request.user, team=patrol.team, data=data)
        return self._represent(finding, status.HTTP_201_CREATED)

    def _step(self, name: str, serializer, *fields: str, **defaults) -> Response:
        return self.step(
            serializer, partial(services.finding_transition, name=name), *fields, **defaults
        )

    @post_action("Put the finding on a meeting's agenda", InspectionAgendaSerializer, _STEP)
    def agenda(self, request: Request, pk: int) -> Response:
        return self._step("agenda", InspectionAgendaSerializer, "meeting")

    @post_action("Take the finding off the agenda", InspectionVersionOnlySerializer, _STEP)
    def unlist(self, request: Request, pk: int) -> Response:
        return self._step("unlist", InspectionVersionOnlySerializer)

    @post_action(
        "Record the meeting's decision: what, who does it, by when",
        InspectionDecisionSerializer,
        _STEP,
    )
    def decide(self, request: Request, pk: int) -> Response:
        return self._step("decide", InspectionDecisionSerializer, "decision", "owner", "due_on",
                          owner_other="")  # fmt: skip

    @post_action(
        "Mark the finding resolved, with what was done", InspectionResolveSerializer, _STEP
    )
    def resolve(self, request: Request, pk: int) -> Response:
        return self._step("resolve", InspectionResolveSerializer, "outcome", "resolved_on")

    @post_action(
        "Close the finding as not actionable, with the reason", InspectionCloseSerializer, _STEP
    )
    def close(self, request: Request, pk: int) -> Response:
        return self._step("close", InspectionCloseSerializer, "reason")
