"""/api/v1/imports/: upload a register (multipart), set its mapping (which runs the dry run),
commit it, read its status and its rows. The scope and rules are the selectors' and the
services'; these views only translate HTTP to them."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from weibao.core.api import CONFLICT, INVALID, NeverCacheMixin, RecordViewSetMixin
from weibao.core.scope import get_or_404
from weibao.imports import services
from weibao.imports.selectors import import_job_list, import_rows, is_uploader, may_import
from weibao.imports.serializers import (
    ImportJobSerializer,
    ImportMappingSerializer,
    ImportRowSerializer,
    ImportUploadSerializer,
)

_NOT_FOUND = OpenApiResponse(
    description="No such import, or not one you may see (the uploader's, and those of the "
    "people below your role)."
)
_NOT_UPLOADER = OpenApiResponse(
    description="Only the uploader sets the mapping and commits; uploading is for those who "
    "may register children."
)


@extend_schema_view(
    list=extend_schema(
        summary="Imports you may see", responses={200: ImportJobSerializer(many=True)}
    ),
    retrieve=extend_schema(
        summary="One import: its state, progress and counts",
        responses={200: ImportJobSerializer, 404: _NOT_FOUND},
    ),
)
class ImportJobViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ImportJobSerializer
    record_keyword = "job"

    def get_queryset(self):
        return import_job_list(self.request.user)

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset())

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Upload a register (.xlsx or .csv): the mapping is guessed, nothing is read yet",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer, 400: INVALID, 403: _NOT_UPLOADER},
    )
    def create(self, request: Request) -> Response:
        if not may_import(request.user):
            raise PermissionDenied
        data = self.validated(ImportUploadSerializer)
        job = services.import_upload(actor=request.user, upload=data["file"])
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set the column mapping and start the dry run (in the background)",
        request=ImportMappingSerializer,
        responses={
            202: ImportJobSerializer,
            400: INVALID,
            403: _NOT_UPLOADER,
            404: _NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def mapping(self, request: Request, pk: int) -> Response:
        job = self.get_object()
        if not is_uploader(request.user, job):
            raise PermissionDenied
        data = self.validated(ImportMappingSerializer)
        job = services.import_map(
            actor=request.user,
            job=job,
            mapping=dict(data["mapping"]),
            hukou_default=data["hukou_default"],
        )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Import the rows (in the background) once the dry run is done",
        request=None,
        responses={202: ImportJobSerializer, 403: _NOT_UPLOADER, 404: _NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: int) -> Response:
        job = services.import_commit(actor=request.user, job=self.get_object())
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="What the last run did (or would do) with each row, and why",
        responses={200: ImportRowSerializer(many=True), 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], serializer_class=ImportRowSerializer)
    def rows(self, request: Request, pk: int) -> Response:
        return self.paginated(import_rows(self.get_object()))

    def get_parsers(self):
        # The upload (a POST to the list) is multipart; the actions take JSON.
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST" and "pk" not in self.kwargs:
            return [MultiPartParser()]
        return super().get_parsers()
