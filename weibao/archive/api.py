"""/api/v1/children/{id}/archive.pdf: the child's archive, as the web page hands it out —
masked (GET) or in full with a reason (POST), each access-logged."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.archive.pdf import archive_pdf_response
from weibao.archive.selectors import Revealed
from weibao.archive.services import archive_reveal
from weibao.audit.models import AccessLog
from weibao.children.selectors import child_get_for_user
from weibao.core.api import (
    AnyAcceptNegotiation,
    NeverCacheMixin,
    StrictFieldsMixin,
    StrictQueryMixin,
)
from weibao.core.pdf import pdf_unavailable

_PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The archive, as an attachment.")
_NOT_FOUND = OpenApiResponse(description="No such child, or not in your areas.")
_UNAVAILABLE = OpenApiResponse(
    description="The server cannot make PDFs (WeasyPrint, Pango or the CJK fonts missing); "
    "`detail` says which system packages to install."
)


class ArchiveRevealSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, help_text="Why the ID number, address and phones are needed in full."
    )


class ArchiveDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ChildArchiveView(StrictQueryMixin, NeverCacheMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation

    def _answer(self, request: Request, id: int, *, reveal: bool) -> HttpResponse | Response:
        child = child_get_for_user(request.user, id)
        problem = pdf_unavailable()
        if problem:
            return Response({"detail": problem}, status=503)
        revealed, reason = Revealed(), ""
        if reveal:
            body = ArchiveRevealSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            reason = body.validated_data["reason"]
            revealed = archive_reveal(
                actor=request.user, child=child, reason=reason, channel=AccessLog.Channel.API
            )
        return archive_pdf_response(
            request.user, child, revealed=revealed, reason=reason, channel=AccessLog.Channel.API
        )

    @extend_schema(
        summary="A child's archive (一人一档) as PDF, masked (recorded in the access log)",
        responses={
            (200, "application/pdf"): _PDF,
            404: _NOT_FOUND,
            503: OpenApiResponse(ArchiveDetailSerializer, description=_UNAVAILABLE.description),
        },
    )
    def get(self, request: Request, id: int) -> HttpResponse | Response:
        return self._answer(request, id, reveal=False)

    @extend_schema(
        summary="A child's archive as PDF with the sensitive values in full (with a reason)",
        request=ArchiveRevealSerializer,
        responses={
            (200, "application/pdf"): _PDF,
            400: OpenApiResponse(description="Field → list of messages."),
            403: OpenApiResponse(description="You may not reveal sensitive values."),
            404: _NOT_FOUND,
            503: OpenApiResponse(ArchiveDetailSerializer, description=_UNAVAILABLE.description),
        },
    )
    def post(self, request: Request, id: int) -> HttpResponse | Response:
        return self._answer(request, id, reveal=True)
