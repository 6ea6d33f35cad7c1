"""/api/v1/cases/: cases (建档 onwards), their workflow steps, plan (一人一策) and timeline.
Scope and rules come from the selectors and services; these views only translate HTTP to them.
Out of scope: 404. In scope but not allowed: 403. Stale `version`: 409."""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.accounts.selectors import user_district_ids
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.cases import services
from weibao.cases.export import case_export_response
from weibao.cases.models import Case
from weibao.cases.plans import plan_save
from weibao.cases.selectors import (
    CHILD_TEXTS,
    LIST_ORDER,
    CaseListFilters,
    case_get_for_user,
    case_list,
    cases_visible_to,
    current_plan,
    current_plan_number,
    eligible_owners,
    plan_version_get,
    plan_versions_of,
    reports_prefetch,
    team_prefetch,
)
from weibao.cases.serializers import (
    CaseAdvanceSerializer,
    CaseAssessSerializer,
    CaseAssignSerializer,
    CaseCreateSerializer,
    CaseDecideCloseSerializer,
    CaseFileSerializer,
    CaseFilterSerializer,
    CaseReopenSerializer,
    CaseRequestCloseSerializer,
    CaseRestrictSerializer,
    CaseSerializer,
    PlanSaveSerializer,
    PlanSerializer,
    PlanVersionSerializer,
    TimelineEntrySerializer,
)
from weibao.cases.timeline import case_timeline
from weibao.core.api import (
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictQueryMixin,
    post_action,
    step_responses,
    xlsx_export_action,
)
from weibao.core.parsers import SafeJSONParser

_NOT_FOUND = OpenApiResponse(description="No such case, or not yours to see.")
_FORBIDDEN = OpenApiResponse(description="You see the case but your role may not take this step.")
_CONFLICT = OpenApiResponse(
    description=(
        "The case changed since the given version (reload it and try again), or the step "
        'cannot be taken yet: {"detail": why, "code": "plan_required" | "plan_items_open" | '
        '"service_record_missing" | "follow_up_missing" | "live_referrals"}. When several '
        "things keep a case from closing, `detail` names each (one sentence a line) and "
        "`code` is the first one's."
    )
)
_STEP_RESPONSES = step_responses(
    CaseSerializer, forbidden=_FORBIDDEN, not_found=_NOT_FOUND, conflict=_CONFLICT
)
_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="Plan version number"
)


def _owner_message() -> str:
    return _("The case owner must work in the child's residential area.")


# The people a case names, each written as a person (id and name).
PEOPLE = ("owner", "opened_by", "close_requested_by", "closed_by")


@extend_schema_view(
    list=extend_schema(
        summary="Cases you may see, most recent first",
        parameters=[CaseFilterSerializer],
        responses={200: CaseSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(summary="One case", responses={200: CaseSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Open a case for a child (stage: discovered)",
        request=CaseCreateSerializer,
        responses={201: CaseSerializer, 400: INVALID},
    ),
)
class CaseViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = CaseSerializer

    def get_queryset(self):
        return self._cases().select_related(*PEOPLE)

    def _cases(self):
        return (
            cases_visible_to(self.request.user)
            .select_related("child", "community")
            .prefetch_related(team_prefetch())
        )

    def get_object(self) -> Case:
        return case_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related(reports_prefetch()).filter(pk=case.pk).first()
        # Opened for another owner, a director no longer sees the case: they still get what
        # they just wrote, once.
        return Response(self.get_serializer(fresh or case).data, status=status_code)

    def list(self, request: Request) -> Response:
        params = CaseFilterSerializer(data=request.query_params, context={"request": request})
        params.is_valid(raise_exception=True)
        cases = (
            params.filter(self._cases())
            # Per row of the page, not a GROUP BY over every case the count reads.
            .annotate(current_plan_number=current_plan_number(user_district_ids(request.user)))
            .order_by(*LIST_ORDER)
            .defer(*CHILD_TEXTS)
            # Read by id, not joined: six tables joined to a sorted, limited list cost
            # PostgreSQL 10–17 ms to plan, on every page (docs/performance.md, "The case
            # list's people read by id").
            .prefetch_related(*PEOPLE, reports_prefetch())
        )
        # Counted on the cases alone (the filters, no joins): DRF's COUNT would wrap the
        # annotated query (docs/performance.md, "The case team").
        matches = params.filter(cases_visible_to(request.user))
        page = self.paginator.paginate_counted(
            cases,
            matches.count(),
            request,
            view=self,
            ids=matches.order_by(*LIST_ORDER).values_list("pk", flat=True),
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @xlsx_export_action(
        summary="The list of cases as xlsx, with the list's filters (recorded in the audit log)",
        parameters=[CaseFilterSerializer],
    )
    def export(self, request: Request) -> FileResponse:
        params = CaseFilterSerializer(data=request.query_params, context={"request": request})
        params.is_valid(raise_exception=True)
        cases = params.filter(case_list(request.user, CaseListFilters()))
        return case_export_response(
            request.user, params.to_filters(), AccessLog.Channel.API, cases=cases
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        access_log_record(
            user=request.user, child=case.child, channel=AccessLog.Channel.API, field="case"
        )
        return self._represent(case)

    def create(self, request: Request) -> Response:
        data = self.validated(CaseCreateSerializer)
        child = data["child"]
        owner = request.user
        if "owner" in data:
            owner = eligible_owners(child).filter(pk=data["owner"]).first()
            if owner is None:
                raise ValidationError({"owner": [_owner_message()]})
        case = services.case_open(
            actor=request.user, child=child, owner=owner, summary=data.get("summary", "")
        )
        return self._represent(case, status.HTTP_201_CREATED)

    @post_action("建档: file the case with a summary", CaseFileSerializer, _STEP_RESPONSES)
    def file(self, request: Request, pk: int) -> Response:
        return self.step(CaseFileSerializer, services.case_file, "summary")

    @post_action(
        "评估: record the risk level with reasons (again later without moving the case)",
        CaseAssessSerializer,
        _STEP_RESPONSES,
    )
    def assess(self, request: Request, pk: int) -> Response:
        return self.step(CaseAssessSerializer, services.case_assess, "risk_level", "reasons")

    @post_action(
        "Move the case on: intervene (needs a plan), serve, track, resume_services",
        CaseAdvanceSerializer,
        _STEP_RESPONSES,
    )
    def advance(self, request: Request, pk: int) -> Response:
        return self.step(CaseAdvanceSerializer, services.case_advance, "transition", note="")

    @post_action(
        "Ask the supervisor to close the case, with a closing summary (from assessed: with "
        "the reason no protection is needed)",
        CaseRequestCloseSerializer,
        _STEP_RESPONSES,
        url_path="request-close",
    )
    def request_close(self, request: Request, pk: int) -> Response:
        return self.step(
            CaseRequestCloseSerializer, services.case_request_close, "summary", no_need_reason=""
        )

    @post_action(
        "Approve or refuse closing (supervisor or district; not who asked)",
        CaseDecideCloseSerializer,
        _STEP_RESPONSES,
        url_path="decide-close",
    )
    def decide_close(self, request: Request, pk: int) -> Response:
        return self.step(CaseDecideCloseSerializer, services.case_decide_close, "approve", note="")

    @post_action("Reopen a closed case, with a reason", CaseReopenSerializer, _STEP_RESPONSES)
    def reopen(self, request: Request, pk: int) -> Response:
        return self.step(CaseReopenSerializer, services.case_reopen, "reason")

    @post_action(
        "Hand the case to another owner (supervisor or district)",
        CaseAssignSerializer,
        _STEP_RESPONSES,
    )
    def assign(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        data = self.validated(CaseAssignSerializer)
        owner = eligible_owners(case.child).filter(pk=data["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": [_owner_message()]})
        case = services.case_assign(
            actor=request.user, case=case, owner=owner, expected_version=data.get("version")
        )
        return self._represent(case)

    @post_action(
        "Restrict the case (the residential area's child directors leave its team) or lift "
        "the restriction (supervisor or district)",
        CaseRestrictSerializer,
        _STEP_RESPONSES,
    )
    def restrict(self, request: Request, pk: int) -> Response:
        return self.step(CaseRestrictSerializer, services.case_restrict, "restricted", reason="")

    # --- plan -------------------------------------------------------------------------------

    def _plan_data(self, case: Case) -> dict:
        plan = current_plan(case)
        return {
            "current": plan,
            "versions": plan_versions_of(case).select_related("created_by"),
        }

    @extend_schema(
        methods=["GET"],
        summary="The case plan (一人一策): the current version and the list of versions",
        responses={200: PlanSerializer, 404: _NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Save the plan as a new version (earlier versions are kept)",
        description=(
            "Messages about one planned service come under `services.<n>.<field>` (n from 0)."
        ),
        request=PlanSaveSerializer,
        responses={
            201: PlanVersionSerializer,
            400: INVALID,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: OpenApiResponse(
                description="Someone saved a newer version than `expected_number`."
            ),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def plan(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        if request.method == "GET":
            return Response(PlanSerializer(self._plan_data(case)).data)
        data = self.validated(PlanSaveSerializer)
        saved = plan_save(
            actor=request.user,
            case=case,
            goals=data["goals"],
            review_on=data["review_on"],
            services=[dict(item) for item in data["services"]],
            change_note=data.get("change_note", ""),
            expected_number=data.get("expected_number"),
        )
        version = plan_version_get(case, saved.number)
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One version of the case plan",
        parameters=[_NUMBER],
        responses={200: PlanVersionSerializer, 404: _NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="plan/versions/<int:number>",
        url_name="plan-version",
        pagination_class=None,
    )
    def plan_version(self, request: Request, pk: int, number: int) -> Response:
        case = self.get_object()
        return Response(PlanVersionSerializer(plan_version_get(case, number)).data)

    # --- timeline ---------------------------------------------------------------------------

    @extend_schema(
        summary="Every step of the case, oldest first: who, what, when",
        responses={200: TimelineEntrySerializer(many=True), 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: int) -> Response:
        case = self.get_object()
        return Response(TimelineEntrySerializer(case_timeline(case), many=True).data)


# --- what hangs off a case: /api/v1/cases/<id>/<things>/ -------------------------------------

CASE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Case id")


def case_records_schema(*, list_summary: str, create_summary: str, record, create_request):
    """The OpenAPI description of a CaseRecordsView: GET lists, POST adds (201)."""
    return extend_schema_view(
        get=extend_schema(
            summary=list_summary,
            parameters=[CASE_ID],
            responses={200: record(many=True), 404: _NOT_FOUND},
        ),
        post=extend_schema(
            summary=create_summary,
            parameters=[CASE_ID],
            request=create_request,
            responses={201: record, 400: INVALID, 404: _NOT_FOUND},
        ),
    )


class CaseRecordsView(StrictQueryMixin, NeverCacheMixin, generics.ListCreateAPIView):
    # The records of one kind that hang off a case (services, referrals): listed and added
    # through the case, which answers 404 out of scope. No docstring: it would become every
    # operation's description in the OpenAPI schema.
    filter_backends = ()
    parser_classes = (SafeJSONParser,)

    def get_case(self) -> Case:
        return case_get_for_user(self.request.user, self.kwargs["id"])

    def created(self, record) -> Response:
        """201 with the record as the list shows it."""
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
