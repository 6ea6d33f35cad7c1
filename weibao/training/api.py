"""/api/v1/training/: sessions and their roll, the district's topics, the training rate.
Scope and rules come from the selectors and services; these views only translate HTTP to
them."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.core.api import CONFLICT, INVALID, NeverCacheMixin, RecordViewSetMixin, StrictQueryMixin
from weibao.core.scope import get_or_404
from weibao.training import services
from weibao.training.choices import AttendanceStatus
from weibao.training.models import TrainingSession, TrainingTopic
from weibao.training.selectors import (
    can_keep_session,
    default_period,
    organiser_areas,
    rate_areas_visible_to,
    session_get_for_user,
    session_roll,
    sessions_visible_to,
    topic_districts_managed_by,
    topics_visible_to,
    training_districts,
    training_rate,
)
from weibao.training.serializers import (
    RateQuerySerializer,
    RateSerializer,
    RollSerializer,
    RollUpdateSerializer,
    SessionCreateSerializer,
    SessionFilterSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
    TopicCreateSerializer,
    TopicFilterSerializer,
    TopicSerializer,
    TopicUpdateSerializer,
)

_SESSION_NOT_FOUND = OpenApiResponse(description="No such session, or not one you may see.")
_NOT_KEEPER = OpenApiResponse(
    description="Sessions are kept by district staff and by their 街镇's supervisor and staff."
)
_NO_TRAINING = OpenApiResponse(description="You see no training (no district or 街镇 role).")
_TOPIC_NOT_FOUND = OpenApiResponse(description="No such topic, or not your district's.")
_NOT_DISTRICT = OpenApiResponse(description="Only district staff keep the topics.")


def _require_training(user) -> None:
    if not training_districts(user):
        raise Http404


# --- sessions ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Training sessions you may see",
        parameters=[SessionFilterSerializer],
        responses={200: SessionSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One training session",
        responses={200: SessionSerializer, 404: _SESSION_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Record a training session (district staff; a 街镇's supervisor and staff)",
        request=SessionCreateSerializer,
        responses={201: SessionSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _NO_TRAINING},
    ),
    partial_update=extend_schema(
        summary="Change a session",
        request=SessionUpdateSerializer,
        responses={
            200: SessionSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _SESSION_NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class TrainingSessionViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer

    def get_queryset(self):
        return (
            sessions_visible_to(self.request.user)
            .select_related("topic", "district", "subdistrict")
            .annotate(
                present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT))
            )
        )

    def get_object(self) -> TrainingSession:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _represent(self, session: TrainingSession, code: int = status.HTTP_200_OK) -> Response:
        fresh = get_or_404(self.get_queryset(), session.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request) -> Response:
        params = SessionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("-held_on", "-pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        _require_training(request.user)
        if not organiser_areas(request.user):
            raise PermissionDenied
        data = dict(self.validated(SessionCreateSerializer))
        session = services.session_create(actor=request.user, data=data)
        return self._represent(session, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        session = session_get_for_user(request.user, pk)
        if not can_keep_session(request.user, session):
            raise PermissionDenied
        data = dict(self.validated(SessionUpdateSerializer))
        version = data.pop("version")
        session = services.session_update(
            actor=request.user, session=session, data=data, expected_version=version
        )
        return self._represent(session)

    @extend_schema(
        methods=["GET"],
        summary="The session's roll: the people expected and anyone recorded, with their mark",
        request=None,
        responses={200: RollSerializer, 404: _SESSION_NOT_FOUND},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace the session's roll (anyone not listed is taken off it)",
        request=RollUpdateSerializer,
        responses={200: RollSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _SESSION_NOT_FOUND},
    )
    @action(detail=True, methods=["get", "put"])
    def attendance(self, request: Request, pk: int) -> Response:
        session = session_get_for_user(request.user, pk)
        if request.method == "PUT":
            if not can_keep_session(request.user, session):
                raise PermissionDenied
            data = self.validated(RollUpdateSerializer)
            marks = {row["member"]: row["status"] for row in data["attendance"]}
            services.session_roll_set(
                actor=request.user, session=session, marks=marks, replace=True
            )
        rows = session_roll(session, request.user)
        return Response(RollSerializer({"session": session.pk, "rows": rows}).data)


# --- topics -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The training topics of your district",
        parameters=[TopicFilterSerializer],
        responses={200: TopicSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One topic", responses={200: TopicSerializer, 404: _TOPIC_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a topic to the district's list (district staff)",
        request=TopicCreateSerializer,
        responses={201: TopicSerializer, 400: INVALID, 403: _NOT_DISTRICT, 404: _NO_TRAINING},
    ),
    partial_update=extend_schema(
        summary="Rename a topic, or retire it with active=false",
        request=TopicUpdateSerializer,
        responses={200: TopicSerializer, 400: INVALID, 403: _NOT_DISTRICT, 404: _TOPIC_NOT_FOUND},
    ),
)
class TrainingTopicViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = TopicSerializer

    def get_queryset(self):
        return topics_visible_to(self.request.user).select_related("district")

    def get_object(self) -> TrainingTopic:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        params = TopicFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        topics = self.get_queryset()
        if params.validated_data.get("active") is not None:
            topics = topics.filter(active=params.validated_data["active"])
        return self.paginated(topics.order_by("district_id", "pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        _require_training(request.user)
        districts = topic_districts_managed_by(request.user)
        if not districts:
            raise PermissionDenied
        data = self.validated(TopicCreateSerializer)
        wanted = data.get("district", districts[0].pk)
        district = next((d for d in districts if d.pk == wanted), None)
        if district is None:
            raise Http404
        topic = services.topic_create(actor=request.user, district=district, name=data["name"])
        return Response(self.get_serializer(topic).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        topic = self.get_object()
        if topic.district_id not in {d.pk for d in topic_districts_managed_by(request.user)}:
            raise PermissionDenied
        data = self.validated(TopicUpdateSerializer)
        topic = services.topic_update(
            actor=request.user, topic=topic, name=data.get("name"), active=data.get("active")
        )
        return Response(self.get_serializer(topic).data)


# --- the rate ---------------------------------------------------------------------------------


class TrainingRateView(StrictQueryMixin, NeverCacheMixin, APIView):
    @extend_schema(
        summary="The training rate of a district or 街镇 over a period, with who is not trained",
        parameters=[RateQuerySerializer],
        responses={
            200: RateSerializer,
            400: INVALID,
            404: OpenApiResponse(description="No such area, or not one you may see."),
        },
    )
    def get(self, request: Request) -> Response:
        areas = rate_areas_visible_to(request.user)
        if not areas:
            raise Http404
        params = RateQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        area = areas[0]
        if data.get("area"):
            area = next((a for a in areas if a.pk == data["area"]), None)
            if area is None:
                raise Http404
        start, end = default_period(timezone.localdate())
        start = data.get("start", start)
        end = data.get("end", max(end, start))
        summary = training_rate(area=area, start=start, end=end)
        return Response(RateSerializer(summary).data)
