"""/api/v1/ for the workstations: stations (and their zones), the standard (and its items),
a station's evidence and reviews, and the district's coverage. Scope and rules come from the
selectors and services; these views only translate HTTP to them."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from weibao.core.api import (
    CONFLICT,
    INVALID,
    AnyAcceptNegotiation,
    NeverCacheMixin,
    RecordViewSetMixin,
    StrictQueryMixin,
)
from weibao.core.scope import get_or_404
from weibao.core.uploads import JPEG, PDF, PNG
from weibao.stations import services
from weibao.stations.evidence import district_coverage, standard_items, standings
from weibao.stations.files import stored_file_response
from weibao.stations.models import EvidenceFile, ItemReview, StationZone
from weibao.stations.selectors import (
    can_keep,
    coverage_district_get_for_user,
    coverage_districts,
    coverage_readable_districts,
    evidence_files_visible_to,
    photos_visible_to,
    sees_stations,
    snapshots_of,
    standard_districts,
    standard_get_for_user,
    standard_in_force,
    standard_items_visible_to,
    standards_visible_to,
    station_get_for_user,
    stations_visible_to,
    subdistricts_for_new_station,
)
from weibao.stations.serializers import (
    CoverageQuerySerializer,
    CoverageSerializer,
    EvidenceFileAddedSerializer,
    EvidenceFileUploadSerializer,
    EvidenceRowSerializer,
    EvidenceSubmitSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    StandardCreateSerializer,
    StandardItemInputSerializer,
    StandardItemSerializer,
    StandardItemUpdateSerializer,
    StandardSerializer,
    StandardUpdateSerializer,
    StationCreateSerializer,
    StationSerializer,
    StationUpdateSerializer,
    TransitionSerializer,
    ZoneInputSerializer,
    ZoneSerializer,
    ZoneUpdateSerializer,
)

_STATION_NOT_FOUND = OpenApiResponse(description="No such station, or not one you may see.")
_NO_STATIONS = OpenApiResponse(description="You have no role that sees workstations.")
_NOT_KEEPER = OpenApiResponse(
    description="Only the 街镇's supervisor and station staff, and the district, keep a station."
)
_NOT_MOVER = OpenApiResponse(
    description="Only the 街镇's supervisor and the district open, suspend or reopen a station."
)
_NOT_REVIEWER = OpenApiResponse(description="Only the district's staff review evidence.")
_ZONE_NOT_FOUND = OpenApiResponse(description="No such zone, or not one you may see.")
_STANDARD_NOT_FOUND = OpenApiResponse(description="No such standard version, or not yours.")
_ITEM_NOT_FOUND = OpenApiResponse(description="No such item of the standard, or not yours.")
_NOT_DISTRICT = OpenApiResponse(description="Only the district's staff keep its standard.")


def _ensure_standards(user) -> None:
    from_areas = standard_districts(user)
    for district in coverage_readable_districts(user):
        if district.pk in from_areas:
            services.standard_ensure_default(district=district)


# --- stations ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The workstations you may see (your 街镇's, or your district's)",
        responses={200: StationSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One workstation", responses={200: StationSerializer, 404: _STATION_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Record a planned workstation (district staff; a 街镇's supervisor for theirs)",
        request=StationCreateSerializer,
        responses={201: StationSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _NO_STATIONS},
    ),
    partial_update=extend_schema(
        summary="Change a station's details, or publish its public page (published=true)",
        request=StationUpdateSerializer,
        responses={
            200: StationSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _STATION_NOT_FOUND,
            409: CONFLICT,
        },
    ),
)
class StationViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = StationSerializer

    def get_queryset(self):
        return (
            stations_visible_to(self.request.user)
            .select_related("subdistrict")
            .prefetch_related("zones")
        )

    def get_object(self):
        return station_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset().order_by("subdistrict__code", "pk"))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not sees_stations(request.user):
            raise Http404
        if not subdistricts_for_new_station(request.user).exists():
            raise PermissionDenied
        data = dict(self.validated(StationCreateSerializer))
        subdistrict = data.pop("subdistrict")
        station = services.station_create(actor=request.user, subdistrict=subdistrict, data=data)
        return Response(self.get_serializer(station).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if not can_keep(request.user, station):
            raise PermissionDenied
        data = dict(self.validated(StationUpdateSerializer))
        version = data.pop("version")
        published = data.pop("published", None)
        if data:
            station = services.station_update(
                actor=request.user, station=station, data=data, expected_version=version
            )
            version = station.version
        if published is not None:
            station = services.station_set_published(
                actor=request.user, station=station, published=published, expected_version=version
            )
        return Response(self.get_serializer(station).data)

    @extend_schema(
        summary="Move the station: build, open, suspend, resume",
        request=TransitionSerializer,
        responses={
            200: StationSerializer,
            400: INVALID,
            403: _NOT_MOVER,
            404: _STATION_NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        data = self.validated(TransitionSerializer)
        station = services.station_transition(
            actor=request.user,
            station=station,
            name=data["transition"],
            on=data.get("on"),
            expected_version=data["version"],
        )
        return Response(self.get_serializer(station).data)

    # --- zones

    @extend_schema(
        methods=["GET"],
        summary="The station's functional zones",
        responses={200: ZoneSerializer(many=True), 404: _STATION_NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a functional zone",
        request=ZoneInputSerializer,
        responses={201: ZoneSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _STATION_NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def zones(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if request.method == "GET":
            return Response(ZoneSerializer(station.zones.all(), many=True).data)
        if not can_keep(request.user, station):
            raise PermissionDenied
        zone = services.zone_add(
            actor=request.user, station=station, data=dict(self.validated(ZoneInputSerializer))
        )
        return Response(ZoneSerializer(zone).data, status=status.HTTP_201_CREATED)

    # --- photos and evidence files (multipart, the web pages' services and checks)

    @extend_schema(
        methods=["GET"],
        summary="The station's photos",
        responses={200: PhotoSerializer(many=True), 404: _STATION_NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a photo of the station (JPEG or PNG by content, at most 5 MB, EXIF stripped)",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _STATION_NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser],
    )
    def photos(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if request.method == "GET":
            return Response(PhotoSerializer(station.photos.order_by("pk"), many=True).data)
        if not can_keep(request.user, station):
            raise PermissionDenied
        data = self.validated(PhotoUploadSerializer)
        photo = services.photo_add(
            actor=request.user,
            station=station,
            upload=data["file"],
            caption=data["caption"],
            on_wall=data["on_wall"],
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a file to the evidence of one item (JPEG or PNG photo, or PDF, by content, "
        "at most 5 MB): the evidence awaits review again",
        request={"multipart/form-data": EvidenceFileUploadSerializer},
        responses={
            201: EvidenceFileAddedSerializer,
            400: INVALID,
            403: _NOT_KEEPER,
            404: _STATION_NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="evidence-files",
        parser_classes=[MultiPartParser],
    )
    def evidence_files(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if not can_keep(request.user, station):
            raise PermissionDenied
        data = self.validated(EvidenceFileUploadSerializer)
        attached = services.evidence_file_add(
            actor=request.user, station=station, code=data["code"], upload=data["file"]
        )
        return Response(EvidenceFileAddedSerializer(attached).data, status=status.HTTP_201_CREATED)

    # --- evidence and reviews

    @extend_schema(
        methods=["GET"],
        summary="Each item of the standard in force: the station's evidence, its review, its "
        "computed evidence and where it stands",
        responses={200: EvidenceRowSerializer(many=True), 404: _STATION_NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Submit the evidence of one item (note and self-assessment): it awaits review",
        request=EvidenceSubmitSerializer,
        responses={
            200: EvidenceRowSerializer,
            204: OpenApiResponse(
                description="Recorded for an item of a version not yet in force (no row yet)."
            ),
            400: INVALID,
            403: _NOT_KEEPER,
            404: _STATION_NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def evidence(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if request.method == "POST":
            if not can_keep(request.user, station):
                raise PermissionDenied
            data = self.validated(EvidenceSubmitSerializer)
            services.evidence_submit(
                actor=request.user,
                station=station,
                code=data["code"],
                note=data.get("note", ""),
                self_assessment=data["self_assessment"],
                expected_version=data.get("version"),
            )
            cells = self._cells(station)
            cell = next((c for c in cells if c.item.code == data["code"]), None)
            if cell is None:  # an item of a version still to come
                return Response(status=status.HTTP_204_NO_CONTENT)
            return Response(EvidenceRowSerializer(cell, context=self._files(cells)).data)
        cells = self._cells(station)
        return Response(EvidenceRowSerializer(cells, many=True, context=self._files(cells)).data)

    def _cells(self, station):
        services.standard_ensure_default(district=station.district)
        today = timezone.localdate()
        standard = standard_in_force(station.district_id, today)
        items = standard_items(standard)
        return standings([station], standard, items, today)[station.pk].cells

    def _files(self, cells) -> dict:
        ids = [c.evidence.pk for c in cells if c.evidence is not None]
        files: dict[int, list] = {}
        for f in EvidenceFile.objects.filter(evidence_id__in=ids).order_by("pk"):
            files.setdefault(f.evidence_id, []).append(f)
        return {"files": files}

    @extend_schema(
        methods=["GET"],
        summary="The reviews of the station's evidence, newest first",
        responses={200: ReviewSerializer(many=True), 404: _STATION_NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Review the evidence of one item: passed or needs work (never by who "
        "submitted it or added its files)",
        request=ReviewInputSerializer,
        responses={
            201: ReviewSerializer,
            400: INVALID,
            403: _NOT_REVIEWER,
            404: _STATION_NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["get", "post"])
    def reviews(self, request: Request, pk: int) -> Response:
        station = self.get_object()
        if request.method == "GET":
            reviews = (
                ItemReview.objects.filter(evidence__station=station)
                .select_related("evidence", "reviewed_by")
                .order_by("-reviewed_at", "-pk")
            )
            page = self.paginate_queryset(reviews)
            return self.get_paginated_response(ReviewSerializer(page, many=True).data)
        if not services.can_review(request.user, station):
            raise PermissionDenied
        data = self.validated(ReviewInputSerializer)
        evidence = services.evidence_review(
            actor=request.user,
            station=station,
            code=data["code"],
            decision=data["decision"],
            note=data.get("note", ""),
            expected_version=data["version"],
        )
        review = evidence.reviews.select_related("evidence", "reviewed_by").order_by("-pk")[0]
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One functional zone", responses={200: ZoneSerializer, 404: _ZONE_NOT_FOUND}
    ),
    partial_update=extend_schema(
        summary="Change a functional zone",
        request=ZoneUpdateSerializer,
        responses={200: ZoneSerializer, 400: INVALID, 403: _NOT_KEEPER, 404: _ZONE_NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Remove a functional zone",
        responses={204: None, 403: _NOT_KEEPER, 404: _ZONE_NOT_FOUND},
    ),
)
class ZoneViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = ZoneSerializer

    def get_object(self) -> StationZone:
        return get_or_404(
            StationZone.objects.select_related("station").filter(
                station__in=stations_visible_to(self.request.user).values("pk")
            ),
            self.kwargs[self.lookup_field],
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(ZoneSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        zone = self.get_object()
        if not can_keep(request.user, zone.station):
            raise PermissionDenied
        data = dict(self.validated(ZoneUpdateSerializer))
        zone = services.zone_update(actor=request.user, zone=zone, data=data)
        return Response(ZoneSerializer(zone).data)

    def destroy(self, request: Request, pk: int) -> Response:
        zone = self.get_object()
        if not can_keep(request.user, zone.station):
            raise PermissionDenied
        services.zone_remove(actor=request.user, zone=zone)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the standard -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The versions of your district's standard (newest first)",
        responses={200: StandardSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One version of the standard, with its items",
        responses={200: StandardSerializer, 404: _STANDARD_NOT_FOUND},
    ),
    create=extend_schema(
        summary="A new version, its items copied, to come into force on a later day",
        request=StandardCreateSerializer,
        responses={201: StandardSerializer, 400: INVALID, 403: _NOT_DISTRICT, 404: _NO_STATIONS},
    ),
    partial_update=extend_schema(
        summary="Change a version before it comes into force",
        request=StandardUpdateSerializer,
        responses={
            200: StandardSerializer,
            400: INVALID,
            403: _NOT_DISTRICT,
            404: _STANDARD_NOT_FOUND,
        },
    ),
)
class StandardViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = StandardSerializer

    def get_object(self):
        return standard_get_for_user(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request: Request) -> Response:
        _ensure_standards(request.user)
        return self.paginated(
            standards_visible_to(request.user)
            .prefetch_related("items")
            .order_by("district_id", "-starts_on", "-pk")
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not standard_districts(request.user):
            raise Http404
        districts = coverage_districts(request.user)
        if not districts:
            raise PermissionDenied
        data = dict(self.validated(StandardCreateSerializer))
        copy_from = None
        if data.get("copy_from"):
            copy_from = get_or_404(
                standards_visible_to(request.user).filter(district__in=districts),
                data.pop("copy_from"),
            )
        data.pop("copy_from", None)
        district = copy_from.district if copy_from else districts[0]
        standard = services.standard_version_create(
            actor=request.user, district=district, data=data, copy_from=copy_from
        )
        return Response(self.get_serializer(standard).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        standard = self.get_object()
        data = self.validated(StandardUpdateSerializer)
        standard = services.standard_version_update(
            actor=request.user, standard=standard, data=dict(data)
        )
        return Response(self.get_serializer(standard).data)

    @extend_schema(
        methods=["GET"],
        summary="The items of a version",
        responses={200: StandardItemSerializer(many=True), 404: _STANDARD_NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an item to a version before it comes into force",
        request=StandardItemInputSerializer,
        responses={
            201: StandardItemSerializer,
            400: INVALID,
            403: _NOT_DISTRICT,
            404: _STANDARD_NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def items(self, request: Request, pk: int) -> Response:
        standard = self.get_object()
        if request.method == "GET":
            return Response(StandardItemSerializer(standard_items(standard), many=True).data)
        data = dict(self.validated(StandardItemInputSerializer))
        item = services.standard_item_add(actor=request.user, standard=standard, data=data)
        return Response(StandardItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One item of the standard",
        responses={200: StandardItemSerializer, 404: _ITEM_NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change an item of a version before it comes into force",
        request=StandardItemUpdateSerializer,
        responses={
            200: StandardItemSerializer,
            400: INVALID,
            403: _NOT_DISTRICT,
            404: _ITEM_NOT_FOUND,
        },
    ),
    destroy=extend_schema(
        summary="Remove an item of a version before it comes into force",
        responses={204: None, 400: INVALID, 403: _NOT_DISTRICT, 404: _ITEM_NOT_FOUND},
    ),
)
class StandardItemViewSet(RecordViewSetMixin, NeverCacheMixin, viewsets.GenericViewSet):
    serializer_class = StandardItemSerializer

    def get_object(self):
        return get_or_404(
            standard_items_visible_to(self.request.user).select_related("standard"),
            self.kwargs[self.lookup_field],
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        data = dict(self.validated(StandardItemUpdateSerializer))
        item = services.standard_item_update(actor=request.user, item=item, data=data)
        return Response(self.get_serializer(item).data)

    def destroy(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        services.standard_item_remove(actor=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- coverage ---------------------------------------------------------------------------------


class CoverageView(StrictQueryMixin, NeverCacheMixin, APIView):
    @extend_schema(
        summary="The district's coverage: each 街镇 and its station's items now, and the "
        "figure month by month as it was kept",
        parameters=[CoverageQuerySerializer],
        responses={
            200: CoverageSerializer,
            400: INVALID,
            404: OpenApiResponse(description="No such district, or not one you follow."),
        },
    )
    def get(self, request: Request) -> Response:
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("district"):
            district = coverage_district_get_for_user(
                request.user, query.validated_data["district"]
            )
        else:
            districts = coverage_readable_districts(request.user)
            if not districts:
                raise Http404
            district = districts[0]
        services.standard_ensure_default(district=district)
        today = timezone.localdate()
        coverage = district_coverage(district, standard_in_force(district.pk, today), today)
        return Response(CoverageSerializer(_coverage_dict(coverage, district)).data)


def _coverage_dict(coverage, district) -> dict:
    return {
        "district": coverage.district,
        "on": coverage.on,
        "standard": coverage.standard,
        "meeting": coverage.meeting,
        "total": coverage.total,
        "percent": coverage.percent,
        "rows": coverage.rows,
        "snapshots": list(snapshots_of(district)),
    }


# --- downloads: a photo or an evidence file as uploaded (stations.files)


def _file_schema(summary: str, types: tuple[str, ...], not_found: str):
    return extend_schema(
        summary=summary,
        responses={
            **{
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for content_type in types
            },
            404: OpenApiResponse(description=not_found),
        },
    )


class _StoredFileView(StrictQueryMixin, NeverCacheMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation


class StationPhotoFileView(_StoredFileView):
    @_file_schema(
        "Download a photo of a station (JPEG or PNG)",
        (JPEG, PNG),
        "No such photo, or its station is not yours to see.",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return stored_file_response(
            get_or_404(photos_visible_to(request.user), pk), attachment=False
        )


class EvidenceFileDownloadView(_StoredFileView):
    @_file_schema(
        "Download a file of an item's evidence (JPEG, PNG or PDF)",
        (JPEG, PNG, PDF),
        "No such file, or its station is not yours to see.",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attached = get_or_404(evidence_files_visible_to(request.user), pk)
        return stored_file_response(attached, attachment=True)
