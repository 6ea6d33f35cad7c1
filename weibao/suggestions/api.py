"""/api/v1/suggestions/: the suggestion board for staff — list, detail, moderate, route,
record progress, answer, decline. The public board has no API. Scope and rules come from the
selectors and services; these views only translate HTTP to them."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import (
    NeverCacheMixin,
    RecordViewSetMixin,
    post_action,
    step_responses,
)
from weibao.core.scope import get_or_404
from weibao.suggestions import services
from weibao.suggestions.selectors import suggestions_visible_to, with_late
from weibao.suggestions.serializers import (
    AnswerSerializer,
    DeclineSerializer,
    ModerateSerializer,
    ProgressSerializer,
    RouteSerializer,
    SuggestionFilterSerializer,
    SuggestionSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such suggestion, or not one you may see.")
_NOT_KEEPER = OpenApiResponse(
    description="Moderating, routing and declining are for the station's keepers (district "
    "staff, the 街镇's supervisor and station staff); progress and answers also for the "
    "儿童主任 of the 居民区 it is routed to."
)


def _step(ok=SuggestionSerializer):
    return step_responses(
        ok,
        forbidden=_NOT_KEEPER,
        not_found=_NOT_FOUND,
        conflict=OpenApiResponse(
            description="Changed by someone else since the given version, or not possible now."
        ),
    )


@extend_schema_view(
    list=extend_schema(
        summary="Suggestions you may see",
        parameters=[SuggestionFilterSerializer],
        responses={200: SuggestionSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One suggestion", responses={200: SuggestionSerializer, 404: _NOT_FOUND}
    ),
)
class SuggestionViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = SuggestionSerializer
    record_keyword = "suggestion"

    def get_queryset(self):
        return with_late(suggestions_visible_to(self.request.user)).select_related(
            "station", "community", "routed_community"
        )

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _represent(self, suggestion) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def list(self, request: Request) -> Response:
        params = SuggestionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("-created_at", "-pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @post_action("Approve (publish a cleaned text) or reject", ModerateSerializer, _step())
    def moderate(self, request: Request, pk: int) -> Response:
        suggestion = self.get_object()
        data = self.validated(ModerateSerializer)
        if data["decision"] == "approve":
            services.suggestion_approve(
                actor=request.user,
                suggestion=suggestion,
                public_text=data.get("public_text", ""),
                expected_version=data["version"],
            )
        else:
            services.suggestion_reject(
                actor=request.user,
                suggestion=suggestion,
                reason=data.get("reason", ""),
                expected_version=data["version"],
            )
        return self._represent(suggestion)

    @post_action("Route to a department or 居民区 with a deadline", RouteSerializer, _step())
    def route(self, request: Request, pk: int) -> Response:
        return self.step(
            RouteSerializer,
            services.suggestion_route,
            "deadline",
            department="",
            routed_community=None,
        )

    @post_action("Record that work has started", ProgressSerializer, _step())
    def progress(self, request: Request, pk: int) -> Response:
        return self.step(ProgressSerializer, services.suggestion_start, note="")

    @post_action("Answer (published on the board)", AnswerSerializer, _step())
    def answer(self, request: Request, pk: int) -> Response:
        return self.step(AnswerSerializer, services.suggestion_answer, "answer")

    @post_action("Decline with a reason (published on the board)", DeclineSerializer, _step())
    def decline(self, request: Request, pk: int) -> Response:
        return self.step(DeclineSerializer, services.suggestion_decline, "reason")
