"""/api/v1/referrals/ and /api/v1/cases/{id}/referrals/."""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.cases.api import CaseRecordsView, case_records_schema
from weibao.core.api import (
    CONFLICT,
    INVALID,
    NeverCacheMixin,
    RecordViewSetMixin,
    post_action,
    step_responses,
)
from weibao.referrals import services
from weibao.referrals.models import Referral
from weibao.referrals.selectors import referral_get_for_user, referrals_visible_to
from weibao.referrals.serializers import (
    ReferralActionSerializer,
    ReferralCreateSerializer,
    ReferralFieldsSerializer,
    ReferralFilterSerializer,
    ReferralSerializer,
)
from weibao.referrals.views import overdue_first

_REFERRAL_NOT_FOUND = OpenApiResponse(description="No such referral, or its case is not yours.")


# --- referrals ------------------------------------------------------------------------------


def _action_schema(summary: str):
    responses = step_responses(
        ReferralSerializer,
        forbidden=OpenApiResponse(description="Your role on the case may not take this action."),
        not_found=_REFERRAL_NOT_FOUND,
        conflict=CONFLICT,
    )
    return post_action(summary, ReferralActionSerializer, responses)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals of the cases you can see; overdue ones first",
        parameters=[ReferralFilterSerializer],
        responses={200: ReferralSerializer(many=True), 400: INVALID},
    ),
    retrieve=extend_schema(
        summary="One referral", responses={200: ReferralSerializer, 404: _REFERRAL_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Refer an open case to a partner",
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer, 400: INVALID},
    ),
)
class ReferralViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ReferralSerializer

    def get_queryset(self):
        return referrals_visible_to(self.request.user).select_related(
            "case", "case__child", "partner", "created_by"
        )

    def get_object(self) -> Referral:
        return referral_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def _represent(self, referral: Referral, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=referral.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request) -> Response:
        params = ReferralFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.paginated(overdue_first(params.filter(self.get_queryset())))

    def retrieve(self, request: Request, pk: int) -> Response:
        return self._represent(self.get_object())

    def create(self, request: Request) -> Response:
        data = self.validated(ReferralCreateSerializer)
        referral = services.referral_create(
            actor=request.user,
            case=data["case"],
            partner=data["partner"],
            service_type=data.get("service_type", ""),
            reason=data["reason"],
            accept_by=data["accept_by"],
        )
        return self._represent(referral, status.HTTP_201_CREATED)

    def _transition(self, request: Request, name: str) -> Response:
        referral = self.get_object()
        data = self.validated(ReferralActionSerializer)
        referral = services.referral_transition(
            actor=request.user,
            referral=referral,
            name=name,
            note=data.get("note", ""),
            expected_version=data["version"],
        )
        return self._represent(referral)

    @_action_schema("The partner accepted the referral")
    def accept(self, request: Request, pk: int) -> Response:
        return self._transition(request, "accept")

    @_action_schema("The partner rejected the referral (note: their reason)")
    def reject(self, request: Request, pk: int) -> Response:
        return self._transition(request, "reject")

    @_action_schema("The partner completed the referral (note: their feedback)")
    def complete(self, request: Request, pk: int) -> Response:
        return self._transition(request, "complete")

    @_action_schema("Revoke the referral (note: why)")
    def revoke(self, request: Request, pk: int) -> Response:
        return self._transition(request, "revoke")


@case_records_schema(
    list_summary="A case's referrals",
    create_summary="Refer this case to a partner",
    record=ReferralSerializer,
    create_request=ReferralFieldsSerializer,
)
class CaseReferralListView(CaseRecordsView):
    serializer_class = ReferralSerializer

    def get_queryset(self):
        return (
            referrals_visible_to(self.request.user)
            .filter(case=self.get_case())
            .select_related("case", "case__child", "partner", "created_by")
            .order_by("-created_at", "-pk")
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        case = self.get_case()
        serializer = ReferralFieldsSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = services.referral_create(
            actor=request.user,
            case=case,
            partner=data["partner"],
            service_type=data.get("service_type", ""),
            reason=data["reason"],
            accept_by=data["accept_by"],
        )
        return self.created(referral)
