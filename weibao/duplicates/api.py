"""/api/v1/duplicates/: the possible duplicates in the user's scope, and a person's decision on
one — the same child, or not (docs/domain.md §10). Scope and rules come from the selectors and
services."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.core.api import (
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    post_action,
    step_responses,
)
from weibao.core.scope import get_or_404
from weibao.duplicates import services
from weibao.duplicates.selectors import (
    pair_list,
    visible_child_ids,
)
from weibao.duplicates.serializers import (
    DuplicatesDecisionSerializer,
    DuplicatesFilterSerializer,
    DuplicatesPairSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such pair, or not one you may see.")
_STEP = step_responses(
    DuplicatesPairSerializer,
    forbidden=OpenApiResponse(description="You do not see both children: not yours to decide."),
    not_found=_NOT_FOUND,
    conflict=OpenApiResponse(description="Already decided, or changed since the given version."),
)


@extend_schema_view(
    list=extend_schema(
        summary="Possible duplicates with at least one child in your scope, likeliest first",
        parameters=[DuplicatesFilterSerializer],
        responses={200: DuplicatesPairSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One possible duplicate",
        responses={200: DuplicatesPairSerializer, 404: _NOT_FOUND},
    ),
)
class PossibleDuplicateViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = DuplicatesPairSerializer
    record_keyword = "pair"

    def get_queryset(self):
        return pair_list(self.request.user, state=None)

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def _data(self, pairs, many: bool = False):
        visible = visible_child_ids(self.request.user, pairs if many else [pairs])
        return DuplicatesPairSerializer(pairs, many=many, context={"visible": visible}).data

    def list(self, request: Request) -> Response:
        params = DuplicatesFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        pairs = pair_list(request.user, state=params.validated_data.get("state"))
        page = self.paginate_queryset(pairs)
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request: Request, pk: int) -> Response:
        pair = self.get_object()
        data = self._data(pair)
        # Names and birth dates of the files the reader may see: a read of each file.
        for child in (pair.child, pair.other):
            if any(c["id"] == child.pk for c in data["children"]):
                access_log_record(user=request.user, child=child, channel=AccessLog.Channel.API)
        return Response(data)

    def _represent(self, record) -> Response:
        return Response(self._data(get_or_404(self.get_queryset(), record.pk)))

    @post_action("The same child (是同一人): recorded, never merged", DuplicatesDecisionSerializer,
                 _STEP)  # fmt: skip
    def confirm(self, request: Request, pk: int) -> Response:
        return self.step(DuplicatesDecisionSerializer, services.duplicate_confirm, note="")

    @post_action("Not the same child (不是同一人): never shown again",
                 DuplicatesDecisionSerializer, _STEP)  # fmt: skip
    def dismiss(self, request: Request, pk: int) -> Response:
        return self.step(DuplicatesDecisionSerializer, services.duplicate_dismiss, note="")
