"""/api/v1/activities/: projects, activities with their sign-ups, waiting list and attendance.
Scope and rules come from the selectors and services; these views only translate HTTP."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.activities import services
from weibao.activities.choices import SignupStatus
from weibao.activities.models import Activity, Project
from weibao.activities.selectors import (
    activities_visible_to,
    activity_get_for_user,
    can_keep_activity,
    can_keep_project,
    can_run_activity,
    may_create,
    project_get_for_user,
    projects_visible_to,
    sees_activities,
    signup_get_for_user,
    signup_rows,
)
from weibao.activities.serializers import (
    ActivityFilterSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    ActivityWriteSerializer,
    AttendanceSerializer,
    ProjectFilterSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
    SignupCreateSerializer,
    SignupListSerializer,
    StateSerializer,
)
from weibao.core.api import CONFLICT, INVALID, NeverCacheMixin, RecordViewSetMixin
from weibao.core.scope import get_or_404

_PROJECT_404 = OpenApiResponse(description="No such project, or not one you may see.")
_ACTIVITY_404 = OpenApiResponse(description="No such activity, or not one you may see.")
_SIGNUP_404 = OpenApiResponse(description="No such sign-up, or not one you may see.")
_NO_PART_404 = OpenApiResponse(
    description="You have no role in a district or 街镇 that runs activities (no list at all)."
)
_NOT_KEEPER = OpenApiResponse(
    description="Kept by district staff and by their station's supervisor and staff."
)
_NOT_RUNNER = OpenApiResponse(
    description="Sign-up and attendance: the keepers and the 儿童主任 who see the activity."
)


def _signups(user, activity: Activity) -> dict:
    rows = signup_rows(user, activity)
    return SignupListSerializer({"activity": activity.pk, "signups": rows}).data


def _require(user) -> None:
    if not sees_activities(user):
        raise Http404


@extend_schema_view(
    list=extend_schema(
        summary="Projects you may see",
        parameters=[ProjectFilterSerializer],
        responses={200: ProjectSerializer(many=True), 400: INVALID, 404: _NO_PART_404},
    ),
    retrieve=extend_schema(
        summary="One project", responses={200: ProjectSerializer, 404: _PROJECT_404}
    ),
    create=extend_schema(
        summary="Start a project (a station's or the district's)",
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _NO_PART_404},
    ),
    partial_update=extend_schema(
        summary="Change a project",
        request=ProjectUpdateSerializer,
        responses={200: ProjectSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _PROJECT_404,
                   409: CONFLICT},
    ),
)  # fmt: skip
class ProjectViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return (
            projects_visible_to(self.request.user)
            .select_related("district", "station")
            .prefetch_related("partners")
        )

    def get_object(self) -> Project:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        _require(request.user)
        params = ProjectFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("-starts_on", "-pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        _require(request.user)
        if not may_create(request.user):
            raise PermissionDenied
        project = services.project_create(
            actor=request.user, data=dict(self.validated(ProjectWriteSerializer))
        )
        return Response(
            self.get_serializer(get_or_404(self.get_queryset(), project.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: Request, pk: int) -> Response:
        project = project_get_for_user(request.user, pk)
        if not can_keep_project(request.user, project):
            raise PermissionDenied
        data = dict(self.validated(ProjectUpdateSerializer))
        version = data.pop("version")
        project = services.project_update(
            actor=request.user, project=project, data=data, expected_version=version
        )
        return Response(self.get_serializer(get_or_404(self.get_queryset(), project.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Activities you may see",
        parameters=[ActivityFilterSerializer],
        responses={200: ActivitySerializer(many=True), 400: INVALID, 404: _NO_PART_404},
    ),
    retrieve=extend_schema(
        summary="One activity", responses={200: ActivitySerializer, 404: _ACTIVITY_404}
    ),
    create=extend_schema(
        summary="Create an activity (under a project, or alone for a station)",
        request=ActivityWriteSerializer,
        responses={201: ActivitySerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _PROJECT_404},
    ),
    partial_update=extend_schema(
        summary="Change an activity",
        request=ActivityUpdateSerializer,
        responses={200: ActivitySerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _ACTIVITY_404,
                   409: CONFLICT},
    ),
)  # fmt: skip
class ActivityViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ActivitySerializer

    def get_queryset(self):
        return (
            activities_visible_to(self.request.user)
            .select_related("station", "zone", "partner")
            .annotate(
                signed_up=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
                waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITING)),
                present=Count("signups", filter=Q(signups__attended=True)),
            )
        )

    def get_object(self) -> Activity:
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _represent(self, activity: Activity, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(get_or_404(self.get_queryset(), activity.pk)).data, status=code
        )

    def list(self, request: Request) -> Response:
        _require(request.user)
        params = ActivityFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("-held_on", "-pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        _require(request.user)
        if not may_create(request.user):
            raise PermissionDenied
        data = dict(self.validated(ActivityWriteSerializer))
        project_id = data.pop("project", None)
        project = project_get_for_user(request.user, project_id) if project_id else None
        if project is not None and not can_keep_project(request.user, project):
            raise PermissionDenied
        activity = services.activity_create(actor=request.user, data=data, project=project)
        return self._represent(activity, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        activity = activity_get_for_user(request.user, pk)
        if not can_keep_activity(request.user, activity):
            raise PermissionDenied
        data = dict(self.validated(ActivityUpdateSerializer))
        version = data.pop("version")
        activity = services.activity_update(
            actor=request.user, activity=activity, data=data, expected_version=version
        )
        return self._represent(activity)

    @extend_schema(
        summary="Change the activity's state (planned, held, cancelled)",
        request=StateSerializer,
        responses={200: ActivitySerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _ACTIVITY_404,
                   409: CONFLICT},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def state(self, request: Request, pk: int) -> Response:
        activity = activity_get_for_user(request.user, pk)
        if not can_keep_activity(request.user, activity):
            raise PermissionDenied
        data = self.validated(StateSerializer)
        activity = services.activity_set_state(
            actor=request.user,
            activity=activity,
            state=data["state"],
            expected_version=data.get("version"),
        )
        return self._represent(activity)

    @extend_schema(
        methods=["GET"],
        summary="The sign-ups and the waiting list, first come first",
        request=None,
        responses={200: SignupListSerializer, 404: _ACTIVITY_404},
    )
    @extend_schema(
        methods=["POST"],
        summary="Sign up a child of the register, or a walk-in by given name and age "
        "(on the waiting list when full)",
        request=SignupCreateSerializer,
        responses={201: SignupListSerializer, 400: INVALID, 403: _NOT_RUNNER,
                   404: _ACTIVITY_404},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def signups(self, request: Request, pk: int) -> Response:
        activity = activity_get_for_user(request.user, pk)
        code = status.HTTP_200_OK
        if request.method == "POST":
            if not can_run_activity(request.user, activity):
                raise PermissionDenied
            data = self.validated(SignupCreateSerializer)
            if data.get("child"):
                services.signup_add(actor=request.user, activity=activity, child=data["child"])
            else:
                services.walkin_add(
                    actor=request.user, activity=activity, name=data["name"], age=data["age"]
                )
            code = status.HTTP_201_CREATED
        return Response(_signups(request.user, activity), status=code)

    @extend_schema(
        summary="Mark sign-ups present or not (a planned activity becomes held)",
        request=AttendanceSerializer,
        responses={200: SignupListSerializer, 400: INVALID, 403: _NOT_RUNNER,
                   404: _ACTIVITY_404},
    )  # fmt: skip
    @action(detail=True, methods=["put"])
    def attendance(self, request: Request, pk: int) -> Response:
        activity = activity_get_for_user(request.user, pk)
        if not can_run_activity(request.user, activity):
            raise PermissionDenied
        data = self.validated(AttendanceSerializer)
        marks = {row["signup"]: row["present"] for row in data["marks"]}
        services.attendance_set(actor=request.user, activity=activity, marks=marks)
        return Response(_signups(request.user, activity))


class SignupViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = SignupListSerializer

    @extend_schema(
        summary="Cancel a sign-up (the first on the waiting list takes the place)",
        request=None,
        responses={200: SignupListSerializer, 400: INVALID, 403: _NOT_RUNNER,
                   404: _SIGNUP_404},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        signup = signup_get_for_user(request.user, pk)
        if not can_run_activity(request.user, signup.activity):
            raise PermissionDenied
        services.signup_cancel(actor=request.user, signup=signup)
        return Response(_signups(request.user, signup.activity))
