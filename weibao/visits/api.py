"""/api/v1/ for home visits (docs/domain.md §4): the worklist, visits and their attachments, a
child's visits and schedule, concerns and visit rules. Scope and rules come from the selectors and
services; these views only translate HTTP to them."""

from typing import Any

from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.children.models import Child
from weibao.children.selectors import child_get_for_user
from weibao.children.services import child_mark_returned_home
from weibao.core.api import (
    AnyAcceptNegotiation,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictQueryMixin,
    xlsx_export_action,
)
from weibao.core.parsers import SafeJSONParser
from weibao.core.uploads import JPEG, PDF, PNG
from weibao.visits import services
from weibao.visits.export import visit_list_response
from weibao.visits.models import Visit, VisitAttachment, VisitRule
from weibao.visits.scheduling import RuleSet
from weibao.visits.selectors import (
    child_open_due,
    child_visits,
    concern_get_for_user,
    concerns_visible_to,
    visit_get_for_user,
    visits_visible_to,
    worklist,
    worklist_counts,
)
from weibao.visits.serializers import (
    AttachmentUploadSerializer,
    ChildDueSerializer,
    ConcernFilterSerializer,
    ConcernHandleSerializer,
    ConcernSerializer,
    DueSerializer,
    ReturnedHomeSerializer,
    VisitAttachmentSerializer,
    VisitCompleteSerializer,
    VisitCreateSerializer,
    VisitExportFilterSerializer,
    VisitFilterSerializer,
    VisitRuleSerializer,
    VisitRuleUpdateSerializer,
    VisitSerializer,
    VisitUpdateSerializer,
    WorklistCountsSerializer,
    WorklistFilterSerializer,
)

_INVALID = OpenApiResponse(description="Field → list of messages.")
_CONFLICT = OpenApiResponse(
    description="The visit changed since the given version; reload it and try again."
)
_VISIT_NOT_FOUND = OpenApiResponse(
    description="No such visit, not in your areas, or another user's draft."
)
_NOT_DRAFT = OpenApiResponse(description="Only the author's own draft can be changed.")
_CHILD_NOT_FOUND = OpenApiResponse(description="No such child, or not in your areas.")
_CHILD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Child id")


# --- Worklist -------------------------------------------------------------------------------


def _log_read(request: Request, child: Child, field: str) -> None:
    """Visits are part of the child's file: every API read of them is in the access log."""
    access_log_record(user=request.user, child=child, channel=AccessLog.Channel.API, field=field)


@extend_schema_view(
    list=extend_schema(
        summary="Your due and overdue visits, most urgent first",
        parameters=[WorklistFilterSerializer],
        responses={200: DueSerializer(many=True), 400: _INVALID},
    ),
)
class WorklistViewSet(StrictQueryMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = DueSerializer
    filter_backends = ()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": self.today}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # One "today" for the query and the buckets, even across midnight.
        self.today = timezone.localdate()

    def list(self, request: Request) -> Response:
        params = WorklistFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        bucket = params.validated_data.get("bucket") or ""
        rows = worklist(request.user, today=self.today, bucket=bucket)
        # The list's length from the dues' own index, as the web page takes it (the buckets
        # cover the same rows): DRF's COUNT would join the children (the district-carrying
        # join, docs/scale.md) for nothing.
        counts = worklist_counts(request.user, today=self.today)
        page = self.paginator.paginate_counted(
            rows, counts.of(bucket), request, view=self, capped=counts.is_capped(bucket)
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="How many visits are overdue, due this week and due later this month",
        responses={200: WorklistCountsSerializer},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request: Request) -> Response:
        return Response(
            WorklistCountsSerializer(worklist_counts(request.user, today=self.today)).data
        )


# --- Visits ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Visits in your areas (completed ones, and your own drafts)",
        parameters=[VisitFilterSerializer],
        responses={200: VisitSerializer(many=True), 400: _INVALID},
    ),
    retrieve=extend_schema(
        summary="One visit", responses={200: VisitSerializer, 404: _VISIT_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Start a visit (or get back your open draft for the child)",
        request=VisitCreateSerializer,
        responses={201: VisitSerializer, 400: _INVALID},
    ),
    partial_update=extend_schema(
        summary="Save a draft",
        request=VisitUpdateSerializer,
        responses={
            200: VisitSerializer,
            400: _INVALID,
            403: _NOT_DRAFT,
            404: _VISIT_NOT_FOUND,
            409: _CONFLICT,
        },
    ),
    destroy=extend_schema(
        summary="Discard a draft",
        responses={204: None, 403: _NOT_DRAFT, 404: _VISIT_NOT_FOUND},
    ),
)
class VisitViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = VisitSerializer
    record_keyword = "visit"

    def get_queryset(self):
        return visits_visible_to(self.request.user)

    def get_object(self) -> Visit:
        return visit_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, visit: Visit, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("attachments", "concerns").get(pk=visit.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def list(self, request: Request) -> Response:
        params = VisitFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        matches = params.filter(self.get_queryset())
        visits = matches.select_related("child", "author").prefetch_related(
            "attachments", "concerns"
        )
        # A district's visits (30,000,000 in a city): counted to a cap, and every page's ids
        # read first, from the newest-first index, without the joins its rows need
        # (docs/performance.md, "The district's lists through the API").
        page = self.paginator.paginate_capped(
            visits,
            request,
            view=self,
            ids=matches.order_by(*Visit._meta.ordering).values_list("pk", flat=True),
            deep=0,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @xlsx_export_action(
        summary="The completed visits you may see as xlsx (recorded in the audit log)",
        parameters=[VisitExportFilterSerializer],
    )
    def export(self, request: Request) -> FileResponse:
        params = VisitExportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return visit_list_response(request.user, params.to_filters(), AccessLog.Channel.API)

    def retrieve(self, request: Request, pk: int) -> Response:
        visit = self.get_object()
        _log_read(request, visit.child, "visit")
        return self._represent(visit)

    def create(self, request: Request) -> Response:
        data = self.validated(VisitCreateSerializer)
        visit = services.visit_start(actor=request.user, child=data["child"])
        return self._represent(visit, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        visit = self.get_object()
        serializer = self.checked(VisitUpdateSerializer)
        visit = services.visit_save_draft(
            actor=request.user,
            visit=visit,
            expected_version=serializer.validated_data["version"],
            data=serializer.service_data(),
        )
        return self._represent(visit)

    def destroy(self, request: Request, pk: int) -> Response:
        services.visit_discard_draft(actor=request.user, visit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Complete a visit: it joins the child's record and schedules the next one",
        request=VisitCompleteSerializer,
        responses={
            200: VisitSerializer,
            400: _INVALID,
            403: _NOT_DRAFT,
            404: _VISIT_NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int) -> Response:
        visit = self.get_object()
        serializer = self.checked(VisitCompleteSerializer)
        visit = services.visit_complete(
            actor=request.user,
            visit=visit,
            expected_version=serializer.validated_data["version"],
            data=serializer.service_data(),
        )
        return self._represent(visit)

    @extend_schema(
        summary="Attach a photo or PDF to a draft",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: VisitAttachmentSerializer,
            400: _INVALID,
            403: _NOT_DRAFT,
            404: _VISIT_NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: int) -> Response:
        visit = self.get_object()
        upload = self.validated(AttachmentUploadSerializer)["file"]
        attachment = services.visit_attach(actor=request.user, visit=visit, upload=upload)
        data = VisitAttachmentSerializer(attachment, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class VisitAttachmentDownloadView(StrictQueryMixin, NeverCacheMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="Download a visit's attachment",
        responses={
            # The type it was uploaded as (a photo re-encoded, or a PDF): core.uploads.
            **{
                (200, content_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The file, as an attachment."
                )
                for content_type in (JPEG, PNG, PDF)
            },
            404: OpenApiResponse(
                description="No such attachment, or its visit is not yours to see."
            ),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        try:
            attachment = VisitAttachment.objects.get(
                pk=pk, visit__in=visits_visible_to(request.user).values("pk")
            )
            handle = attachment.file.open("rb")
        except (VisitAttachment.DoesNotExist, FileNotFoundError) as exc:
            raise Http404 from exc
        _log_read(request, attachment.visit.child, "visit_attachment")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- A child's visits and schedule ----------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="A child's visits (completed ones, and your own drafts)",
        parameters=[_CHILD_ID],
        responses={200: VisitSerializer(many=True), 404: _CHILD_NOT_FOUND},
    )
)
class ChildVisitListView(StrictQueryMixin, NeverCacheMixin, generics.ListAPIView):
    serializer_class = VisitSerializer
    filter_backends = ()

    def get_queryset(self):
        child = child_get_for_user(self.request.user, self.kwargs["id"])
        _log_read(self.request, child, "visits")
        return child_visits(self.request.user, child).prefetch_related("attachments", "concerns")


def _schedule(child: Child) -> dict[str, Any]:
    return {
        "due": child_open_due(child),
        "returned_home_on": child.returned_home_on,
        "follow_up_ends": services.follow_up_ends(child, RuleSet.load()),
    }


class ChildDueView(StrictQueryMixin, NeverCacheMixin, APIView):
    @extend_schema(
        summary="A child's next due visit and follow-up period",
        parameters=[_CHILD_ID],
        responses={200: ChildDueSerializer, 404: _CHILD_NOT_FOUND},
    )
    def get(self, request: Request, id: int) -> Response:
        child = child_get_for_user(request.user, id)
        return Response(ChildDueSerializer(_schedule(child)).data)


class ChildReturnedHomeView(StrictQueryMixin, NeverCacheMixin, APIView):
    parser_classes = (SafeJSONParser,)

    @extend_schema(
        summary="Record that a child returned home from protection (starts follow-up visits)",
        parameters=[_CHILD_ID],
        request=ReturnedHomeSerializer,
        responses={200: ChildDueSerializer, 400: _INVALID, 404: _CHILD_NOT_FOUND},
    )
    def post(self, request: Request, id: int) -> Response:
        child = child_get_for_user(request.user, id)
        serializer = ReturnedHomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        child = child_mark_returned_home(
            actor=request.user, child=child, date=serializer.validated_data["date"]
        )
        return Response(ChildDueSerializer(_schedule(child)).data)


# --- Concerns -------------------------------------------------------------------------------

_CONCERN_NOT_FOUND = OpenApiResponse(description="No such concern, or not in your areas.")


@extend_schema_view(
    list=extend_schema(
        summary="Concerns about children in your areas, newest first",
        parameters=[ConcernFilterSerializer],
        responses={200: ConcernSerializer(many=True), 400: _INVALID},
    ),
    retrieve=extend_schema(
        summary="One concern", responses={200: ConcernSerializer, 404: _CONCERN_NOT_FOUND}
    ),
)
class ConcernViewSet(StrictQueryMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ConcernSerializer
    lookup_value_converter = "int"
    filter_backends = ()
    parser_classes = (SafeJSONParser,)

    def get_queryset(self):
        return concerns_visible_to(self.request.user).select_related(
            "child", "community", "raised_by", "handled_by"
        )

    def get_object(self):
        return concern_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, concern) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=concern.pk)).data)

    def list(self, request: Request) -> Response:
        params = ConcernFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        concerns = self.get_queryset()
        if params.validated_data.get("state"):
            concerns = concerns.filter(state=params.validated_data["state"])
        if params.validated_data.get("child"):
            concerns = concerns.filter(child_id=params.validated_data["child"])
        page = self.paginate_queryset(concerns)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return self._represent(self.get_object())

    @extend_schema(
        summary="Record how a concern was handled",
        request=ConcernHandleSerializer,
        responses={200: ConcernSerializer, 400: _INVALID, 404: _CONCERN_NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, pk: int) -> Response:
        concern = self.get_object()
        serializer = ConcernHandleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        concern = services.concern_handle(
            actor=request.user, concern=concern, note=serializer.validated_data["note"]
        )
        return self._represent(concern)


# --- Visit rules ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="How often each category of child is visited"),
    retrieve=extend_schema(summary="One visit rule"),
    partial_update=extend_schema(
        summary="Change a visit rule (district staff) and reschedule the children it covers",
        request=VisitRuleUpdateSerializer,
        responses={
            200: VisitRuleSerializer,
            400: _INVALID,
            403: OpenApiResponse(description="Only district staff change visit rules."),
            404: OpenApiResponse(description="No such rule."),
        },
    ),
)
class VisitRuleViewSet(StrictQueryMixin, NeverCacheMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = VisitRuleSerializer
    lookup_value_converter = "int"
    filter_backends = ()
    parser_classes = (SafeJSONParser,)
    queryset = VisitRule.objects.all()

    def partial_update(self, request: Request, pk: int) -> Response:
        rule = self.get_object()
        serializer = VisitRuleUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.visit_rule_update(
            actor=request.user, rule=rule, **serializer.service_arguments(rule)
        )
        return Response(self.get_serializer(rule).data)
