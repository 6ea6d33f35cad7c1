"""/api/v1/transfers/: the same services and scope rule as the web pages."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import (
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    post_action,
    step_responses,
)
from weibao.transfers import services
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import (
    transfer_get_for_user,
    transfer_list_rows,
    transfers_visible_to,
)
from weibao.transfers.serializers import (
    TransferActionSerializer,
    TransferCreateSerializer,
    TransferFilterSerializer,
    TransferSerializer,
)

_NOT_FOUND = OpenApiResponse(description="No such transfer, or not one of your areas'.")
_BLOCKED = OpenApiResponse(
    description=(
        "Changed by someone else since the given version, or the step cannot be taken now "
        "(`code`: four_eyes, child_moved, not_on_register, open_case, pending)."
    )
)


def _action_schema(summary: str):
    responses = step_responses(
        TransferSerializer,
        forbidden=OpenApiResponse(description="Your role on the transfer may not take this step."),
        not_found=_NOT_FOUND,
        conflict=_BLOCKED,
    )
    return post_action(summary, TransferActionSerializer, responses)


@extend_schema_view(
    list=extend_schema(
        summary="Transfers of your areas (sent, and received by your sub-district)",
        parameters=[TransferFilterSerializer],
        responses={200: TransferSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One transfer", responses={200: TransferSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Ask for a child to move to another residential area (or out of the district)",
        request=TransferCreateSerializer,
        responses={
            201: TransferSerializer,
            400: INVALID,
            403: OpenApiResponse(description="You may not ask for this child's transfer."),
            409: OpenApiResponse(description="A transfer is pending, or the child is not on "
                                 "the register (`code`)."),
        },
    ),
)  # fmt: skip
class TransferViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = TransferSerializer
    record_keyword = "transfer"

    def get_queryset(self):
        return transfer_list_rows(transfers_visible_to(self.request.user))

    def get_object(self) -> Transfer:
        return transfer_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, transfer: Transfer, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=transfer.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request) -> Response:
        params = TransferFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(params.filter(self.get_queryset()).order_by("-requested_at", "-id"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return self._represent(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.validated(TransferCreateSerializer)
        transfer = services.transfer_request(
            actor=request.user,
            child=data["child"],
            reason=data["reason"],
            to_community=data.get("to_community"),
            out_of_district=data.get("out_of_district", False),
            to_district_name=data.get("to_district_name", ""),
        )
        return self._represent(transfer, status.HTTP_201_CREATED)

    @_action_schema("Accept the transfer: the child, their visits and cases move (receiving side)")
    def accept(self, request: Request, pk: int) -> Response:
        return self.step(TransferActionSerializer, services.transfer_accept, note="")

    @_action_schema("Refuse the transfer, saying why in `note` (receiving side)")
    def refuse(self, request: Request, pk: int) -> Response:
        return self.step(TransferActionSerializer, services.transfer_refuse, "note")

    @_action_schema("Cancel the transfer (sending side)")
    def cancel(self, request: Request, pk: int) -> Response:
        return self.step(TransferActionSerializer, services.transfer_cancel, note="")
