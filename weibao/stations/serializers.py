"""API shapes of the workstations app. Input serializers check types and lengths; the rules
(who may, dates, one operating station per 街镇, four eyes, versions in force) are the
services' and come back as field-level messages."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.areas.models import Area
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.core.text import TEXT_LIMIT
from weibao.stations.choices import (
    ComputedKind,
    HostFacility,
    ItemState,
    ReviewDecision,
    SelfAssessment,
    StationStatus,
    ZoneKind,
)
from weibao.stations.models import (
    ItemReview,
    Standard,
    StandardItem,
    StationPhoto,
    StationZone,
    Workstation,
)
from weibao.stations.selectors import subdistricts_for_new_station
from weibao.stations.workflow import STATION


def _choice(choices, name: str, **kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=choices, enum_name=name, **kwargs)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


def _version(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_DB_INT, **kwargs)


def _area_m2(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=Decimal("0.1"), allow_null=True, **kwargs
    )


class SubdistrictForStationField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such 街镇 among those you may record in.")}

    def scoped(self, user):
        return subdistricts_for_new_station(user) if user is not None else Area.objects.none()


# --- stations ---------------------------------------------------------------------------------


class ZoneSerializer(serializers.ModelSerializer):
    kind = _choice(ZoneKind.choices, "ZoneKindEnum", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    area = serializers.DecimalField(max_digits=7, decimal_places=1, read_only=True, allow_null=True)

    class Meta:
        model = StationZone
        fields = ["id", "station", "name", "kind", "kind_display", "purpose", "area", "order"]
        read_only_fields = fields


class StationSerializer(serializers.ModelSerializer):
    host_facility = _choice(HostFacility.choices, "HostFacilityEnum", read_only=True)
    host_label = serializers.CharField(read_only=True)
    status = _choice(StationStatus.choices, "StationStatusEnum", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    floor_area = serializers.DecimalField(
        max_digits=7, decimal_places=1, read_only=True, allow_null=True
    )
    zones = ZoneSerializer(many=True, read_only=True)

    class Meta:
        model = Workstation
        fields = [
            "id", "district", "subdistrict", "subdistrict_name", "name", "host_facility",
            "host_facility_other", "host_label", "address", "floor_area", "opening_hours",
            "phone", "status", "status_display", "planned_on", "building_on", "opened_on",
            "status_since", "published", "lapsed_since", "zones", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StationFieldsMixin(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    host_facility = _choice(HostFacility.choices, "HostFacilityEnum", required=False)
    host_facility_other = _text(100, required=False)
    address = _text(200, required=False)
    floor_area = _area_m2(required=False)
    opening_hours = _text(200, required=False)
    phone = _text(30, required=False)


class StationCreateSerializer(StrictFieldsMixin, StationFieldsMixin):
    subdistrict = SubdistrictForStationField(help_text="Id of the 街镇 (one you may record in).")
    name = serializers.CharField(max_length=100)
    host_facility = _choice(HostFacility.choices, "HostFacilityEnum")
    planned_on = serializers.DateField(required=False, help_text="Today when left out.")


class StationUpdateSerializer(StrictFieldsMixin, StationFieldsMixin):
    """PATCH: the fields to change and the version last read; `published` puts the public page
    up or takes it down."""

    published = serializers.BooleanField(required=False)
    version = _version(help_text="The version last read; a stale version gives 409.")


class TransitionSerializer(StrictFieldsMixin, serializers.Serializer):
    transition = serializers.ChoiceField(choices=sorted(STATION.transitions))
    on = serializers.DateField(required=False, help_text="The day it happened (today if left out).")
    version = _version()


class ZoneInputSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=60)
    kind = _choice(ZoneKind.choices, "ZoneKindEnum")
    purpose = _text(300, required=False)
    area = _area_m2(required=False)


class ZoneUpdateSerializer(ZoneInputSerializer):
    name = serializers.CharField(max_length=60, required=False)
    kind = _choice(ZoneKind.choices, "ZoneKindEnum", required=False)


# --- photos and evidence files ----------------------------------------------------------------

UPLOAD_HELP = (
    "recognised by its content, at most 5 MB; a photo is written anew without its metadata "
    "(EXIF, location)."
)


class PhotoSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = StationPhoto
        fields = [
            "id", "station", "name", "content_type", "size", "caption", "on_wall", "uploaded_at",
        ]  # fmt: skip
        read_only_fields = fields


class PhotoUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG or PNG photo, " + UPLOAD_HELP)
    caption = _text(100, required=False, default="")
    on_wall = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Show it on the public page: only a photo of the place, with no child's face.",
    )


class EvidenceFileUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.CharField(
        max_length=32, help_text="The code of the item of the standard the file is evidence for."
    )
    file = serializers.FileField(help_text="A JPEG or PNG photo or a PDF document, " + UPLOAD_HELP)


# --- the standard -----------------------------------------------------------------------------


class StandardItemSerializer(serializers.ModelSerializer):
    computed = serializers.ChoiceField(
        choices=[("", ""), *ComputedKind.choices], read_only=True, allow_blank=True
    )

    class Meta:
        model = StandardItem
        fields = ["id", "standard", "code", "wording", "source", "required", "order", "computed",
                  "threshold"]  # fmt: skip
        read_only_fields = fields


class StandardSerializer(serializers.ModelSerializer):
    items = StandardItemSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "district", "name", "version_name", "starts_on", "items", "created_at"]
        read_only_fields = fields


class StandardCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=60)
    version_name = serializers.CharField(max_length=60)
    starts_on = serializers.DateField(help_text="From tomorrow at the earliest.")
    copy_from = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DB_INT,
        required=False,
        help_text="Id of the version whose items are copied (the one in force when left out).",
    )


class StandardUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    version_name = serializers.CharField(max_length=60, required=False)
    starts_on = serializers.DateField(required=False)


class StandardItemInputSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.CharField(max_length=32)
    wording = serializers.CharField(max_length=200)
    source = _text(300, required=False)
    required = serializers.BooleanField(required=False)
    order = serializers.IntegerField(min_value=0, max_value=999, required=False)
    computed = serializers.ChoiceField(
        choices=[("", ""), *ComputedKind.choices], required=False, allow_blank=True
    )
    threshold = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )


class StandardItemUpdateSerializer(StandardItemInputSerializer):
    code = serializers.CharField(max_length=32, required=False)
    wording = serializers.CharField(max_length=200, required=False)


# --- evidence and reviews ---------------------------------------------------------------------


class ComputedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    available = serializers.BooleanField()
    holds = serializers.BooleanField(allow_null=True)
    text = serializers.CharField()


class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class EvidenceFileAddedSerializer(EvidenceFileSerializer):
    code = serializers.CharField(source="evidence.code")


class EvidenceRowSerializer(serializers.Serializer):
    """One item of the standard in force and where the station stands on it."""

    code = serializers.CharField(source="item.code")
    wording = serializers.CharField(source="item.wording")
    required = serializers.BooleanField(source="item.required")
    state = _choice(ItemState.choices, "ItemStateEnum")
    state_display = serializers.CharField(source="label")
    colour = serializers.CharField()
    computed = ComputedSerializer(allow_null=True)
    note = serializers.SerializerMethodField()
    self_assessment = serializers.SerializerMethodField()
    submitted_at = serializers.SerializerMethodField()
    review_decision = serializers.SerializerMethodField()
    review_note = serializers.SerializerMethodField()
    reviewed_at = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()

    def _ev(self, cell, name, default=None):
        return getattr(cell.evidence, name) if cell.evidence is not None else default

    @extend_schema_field(serializers.CharField())
    def get_note(self, cell) -> str:
        return self._ev(cell, "note", "")

    @extend_schema_field(serializers.CharField())
    def get_self_assessment(self, cell) -> str:
        return self._ev(cell, "self_assessment", "")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_submitted_at(self, cell):
        value = self._ev(cell, "submitted_at")
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(serializers.CharField())
    def get_review_decision(self, cell) -> str:
        return self._ev(cell, "review_decision", "")

    @extend_schema_field(serializers.CharField())
    def get_review_note(self, cell) -> str:
        return self._ev(cell, "review_note", "")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_reviewed_at(self, cell):
        value = self._ev(cell, "reviewed_at")
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_files(self, cell) -> list:
        files = self.context.get("files", {}).get(getattr(cell.evidence, "pk", None), [])
        return EvidenceFileSerializer(files, many=True).data

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version(self, cell):
        return self._ev(cell, "version")


class EvidenceSubmitSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    self_assessment = _choice(SelfAssessment.choices, "SelfAssessmentEnum")
    note = _text(TEXT_LIMIT, required=False)
    version = _version(
        required=False, help_text="The evidence's version last read (left out for new evidence)."
    )


class ReviewSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="evidence.code", read_only=True)
    decision = _choice(ReviewDecision.choices, "ReviewDecisionEnum", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.__str__", read_only=True)

    class Meta:
        model = ItemReview
        fields = ["id", "code", "item", "decision", "note", "reviewed_by", "reviewed_by_name",
                  "reviewed_at"]  # fmt: skip
        read_only_fields = fields


class ReviewInputSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    decision = _choice(ReviewDecision.choices, "ReviewDecisionEnum")
    note = _text(TEXT_LIMIT, required=False)
    version = _version(help_text="The evidence's version last read.")


# --- coverage ---------------------------------------------------------------------------------


class CoverageCellSerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    state = _choice(ItemState.choices, "ItemStateEnum")
    state_display = serializers.CharField(source="label")


class CoverageRowSerializer(serializers.Serializer):
    subdistrict = serializers.IntegerField(source="subdistrict.pk")
    subdistrict_name = serializers.CharField(source="subdistrict.name")
    station = serializers.IntegerField(source="station.pk", allow_null=True)
    station_status = serializers.CharField(source="station.status", allow_null=True)
    meets = serializers.BooleanField()
    items = CoverageCellSerializer(source="cells", many=True)


class CoverageMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    measured_on = serializers.DateField()
    meeting = serializers.IntegerField()
    subdistricts = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    district = serializers.IntegerField(source="district.pk")
    on = serializers.DateField()
    standard = serializers.IntegerField(source="standard.pk", allow_null=True)
    meeting = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)
    rows = CoverageRowSerializer(many=True)
    months = CoverageMonthSerializer(many=True, source="snapshots")


class CoverageQuerySerializer(serializers.Serializer):
    district = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="The district (yours when left out).",
    )
