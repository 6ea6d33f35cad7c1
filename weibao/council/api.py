"""/api/v1/councils/ and /api/v1/council/: the children's councils, their members and meetings
(with their decisions, each followed up on the suggestion board). Scope and rules come from the
selectors and services; these views only translate HTTP to them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import CONFLICT, INVALID, NeverCacheMixin, RecordViewSetMixin, post_action
from weibao.core.scope import get_or_404
from weibao.council import services
from weibao.council.models import CouncilDecision, CouncilMember
from weibao.council.selectors import (
    can_keep,
    council_summary,
    councils_visible_to,
    meetings_visible_to,
    members_of,
    members_visible_to,
)
from weibao.council.serializers import (
    CouncilDecisionCreateSerializer,
    CouncilMeetingCreateSerializer,
    CouncilMeetingSerializer,
    CouncilMeetingUpdateSerializer,
    CouncilMemberCreateSerializer,
    CouncilMemberSerializer,
    CouncilMemberUpdateSerializer,
    CouncilSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such record, or not one you may see.")
_NOT_KEEPER = OpenApiResponse(
    description="A council is kept by its station's keepers: district staff, the 街镇's "
    "supervisor and station staff (a 儿童主任 reads it)."
)


@extend_schema_view(
    list=extend_schema(summary="The children's councils you may see (one per station)"),
    retrieve=extend_schema(
        summary="One station's council", responses={200: CouncilSerializer, 404: _NOT_FOUND}
    ),
)
class CouncilViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CouncilSerializer

    def get_queryset(self):
        return council_summary(
            councils_visible_to(self.request.user).select_related("subdistrict"),
            timezone.localdate(),
        ).order_by("subdistrict__code", "id")

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset())


@extend_schema_view(
    list=extend_schema(summary="Council members you may see"),
    retrieve=extend_schema(
        summary="One council member", responses={200: CouncilMemberSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Put a registered child on a council for a term, with the guardian's consent",
        request=CouncilMemberCreateSerializer,
        responses={201: CouncilMemberSerializer, 400: INVALID, 403: _NOT_KEEPER},
    ),
    partial_update=extend_schema(
        summary="Change a member's term or consent record",
        request=CouncilMemberUpdateSerializer,
        responses={
            200: CouncilMemberSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class MemberViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = CouncilMemberSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return members_visible_to(self.request.user).select_related("child", "community")

    def get_object(self) -> CouncilMember:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset().order_by("station_id", "-term_end", "pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        data = dict(self.validated(CouncilMemberCreateSerializer))
        station = data.pop("station")
        member = services.member_add(actor=request.user, station=station, data=data)
        fresh = get_or_404(self.get_queryset(), member.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        member = self.get_object()
        data = dict(self.validated(CouncilMemberUpdateSerializer))
        version = data.pop("version")
        services.member_update(
            actor=request.user, member=member, data=data, expected_version=version
        )
        return Response(self.get_serializer(self.get_object()).data)


def _present(station, ids: list[int]) -> list[CouncilMember]:
    found = {m.pk: m for m in members_of(station).filter(pk__in=ids)}
    if len(found) != len(set(ids)):
        raise ValidationError({"present": [_("Choose members of this council.")]})
    return list(found.values())


@extend_schema_view(
    list=extend_schema(summary="Council meetings you may see"),
    retrieve=extend_schema(
        summary="One council meeting, with its decisions' state on the suggestion board",
        responses={200: CouncilMeetingSerializer, 404: _NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a council meeting",
        request=CouncilMeetingCreateSerializer,
        responses={201: CouncilMeetingSerializer, 400: INVALID, 403: _NOT_KEEPER},
    ),
    partial_update=extend_schema(
        summary="Change a meeting (agenda, attendance, minutes)",
        request=CouncilMeetingUpdateSerializer,
        responses={
            200: CouncilMeetingSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class MeetingViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = CouncilMeetingSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    record_keyword = "meeting"

    def get_queryset(self):
        return meetings_visible_to(self.request.user).prefetch_related(
            "present",
            Prefetch("decisions", queryset=CouncilDecision.objects.select_related("suggestion")),
        )

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _represent(self, meeting, code=status.HTTP_200_OK) -> Response:
        fresh = get_or_404(self.get_queryset(), meeting.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset().order_by("-held_on", "-pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        data = dict(self.validated(CouncilMeetingCreateSerializer))
        station = data.pop("station")
        if not can_keep(request.user, station):
            raise PermissionDenied
        data["present"] = _present(station, data.get("present", []))
        meeting = services.meeting_create(actor=request.user, station=station, data=data)
        return self._represent(meeting, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        meeting = self.get_object()
        if not can_keep(request.user, meeting.station):
            raise PermissionDenied
        data = dict(self.validated(CouncilMeetingUpdateSerializer))
        version = data.pop("version")
        if "present" in data:
            data["present"] = _present(meeting.station, data["present"])
        services.meeting_update(
            actor=request.user, meeting=meeting, data=data, expected_version=version
        )
        return self._represent(meeting)

    @post_action(
        "Record a decision (put on the station's suggestion board)",
        CouncilDecisionCreateSerializer,
        {201: CouncilMeetingSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _NOT_FOUND},
    )
    def decisions(self, request: Request, pk: int) -> Response:
        meeting = self.get_object()
        data = self.validated(CouncilDecisionCreateSerializer)
        services.decision_record(
            actor=request.user, meeting=meeting, text=data["text"], community=data["community"]
        )
        return self._represent(meeting, status.HTTP_201_CREATED)
