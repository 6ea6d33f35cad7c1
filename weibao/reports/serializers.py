"""API shapes of mandatory reports. Input serializers check types and lengths and refuse unknown
fields; the rules (who may act, which state, what closing needs) are the services' and come
back as field-level 400s, 403s and 409s."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.models import User
from weibao.accounts.serializers import PersonSerializer
from weibao.areas.models import Area
from weibao.core import crypto
from weibao.core.api import (
    MAX_DB_INT,
    ChoiceDisplayField,
    NamedChoiceField,
    StrictFieldsMixin,
    rows_serializer,
)
from weibao.core.text import clean_text
from weibao.reports.choices import Channel, ChildSex, NoCaseReason, ReporterType, Situation
from weibao.reports.forms import report_input_from
from weibao.reports.models import Report
from weibao.reports.selectors import (
    can_see_child_address,
    can_see_reporter,
    clock_words,
    report_clocks,
    report_situations,
)
from weibao.reports.services import (
    ADDRESS_LIMIT,
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    OUTCOME_LIMIT,
    REPORTER_NAME_LIMIT,
    REPORTER_ORG_LIMIT,
    REPORTER_PHONE_LIMIT,
    ReportInput,
)
from weibao.visits.serializers import VisibleChildField

LINK_CHOICES = [
    (Report.Link.LINKED, Report.Link.LINKED.label),
    (Report.Link.REGISTERED, Report.Link.REGISTERED.label),
]
CLOCK_CHOICES = [("ack", _("Acknowledge")), ("police", _("Tell the police")),
                 ("outcome", _("Outcome to the reporter"))]  # fmt: skip
CLOCK_STATES = [("running", _("Running")), ("late", _("Late")), ("met", _("Met")),
                ("met_late", _("Met late"))]  # fmt: skip


class TextField(serializers.CharField):
    """Text, and only text: a number, boolean, list or object is refused (not silently turned
    into a string). Control characters are removed before the length is checked."""

    default_error_messages = {"invalid": _("Give this as text (a string).")}

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return clean_text(data, multiline=self.multiline)


def _situation() -> NamedChoiceField:
    return NamedChoiceField(choices=Situation.choices, enum_name="ReportSituationEnum")


def _reporter_type(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ReporterType.choices, enum_name="ReporterTypeEnum", **kwargs)


def _child_sex(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ChildSex.choices, enum_name="ReportChildSexEnum", **kwargs)


# --- input ------------------------------------------------------------------------------------


class ReportInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """A report, from the public API or from staff. Only these fields are accepted."""

    situations = serializers.ListField(
        child=_situation(),
        max_length=len(Situation.values),
        help_text="Which situations of opinion Art. 4 apply (s1–s9), and/or other.",
    )
    other_situation = TextField(max_length=200, help_text="Required with `other`.")
    description = TextField(
        required=True, allow_blank=True, multiline=True, max_length=DESCRIPTION_LIMIT,
        help_text="What happened.",
    )  # fmt: skip
    occurred_when = TextField(max_length=100)
    place = TextField(max_length=200)
    child_name = TextField(max_length=64)
    child_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=17)
    child_sex = _child_sex(required=False, allow_blank=True)
    child_school = TextField(max_length=100)
    child_address = TextField(max_length=ADDRESS_LIMIT)
    subdistrict = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the 街镇 where the child lives, if known (see /api/v1/public/areas/).",
    )
    district = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the district, when the 街镇 is not known (optional with one district).",
    )
    reporter_type = _reporter_type()
    reporter_name = TextField(max_length=REPORTER_NAME_LIMIT)
    reporter_phone = TextField(max_length=REPORTER_PHONE_LIMIT)
    reporter_org = TextField(max_length=REPORTER_ORG_LIMIT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        subdistrict = district = None
        if attrs.get("subdistrict"):
            subdistrict = (
                Area.objects.open()
                .filter(pk=attrs["subdistrict"], level=Area.Level.SUBDISTRICT)
                .first()
            )
            if subdistrict is None:
                raise serializers.ValidationError(
                    {"subdistrict": [_("No such sub-district or town.")]}
                )
        if attrs.get("district"):
            district = Area.objects.filter(pk=attrs["district"], level=Area.Level.DISTRICT).first()
            if district is None:
                raise serializers.ValidationError({"district": [_("No such district.")]})
        if district is None and subdistrict is None:
            districts = list(Area.objects.filter(level=Area.Level.DISTRICT)[:2])
            if len(districts) != 1:
                raise serializers.ValidationError(
                    {"district": [_("Please give the district or the sub-district.")]}
                )
            district = districts[0]
        attrs["district_area"], attrs["subdistrict_area"] = district, subdistrict
        return attrs

    def report_input(self) -> ReportInput:
        d = self.validated_data
        return report_input_from(
            d, district=d.get("district_area"), subdistrict=d.get("subdistrict_area")
        )


class StatusRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    reference = TextField(required=True, allow_blank=False, max_length=40)
    code = TextField(required=True, allow_blank=False, max_length=64)


def _version():
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the report the client last read; a stale version gives 409.",
    )


class VersionSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()


class PoliceSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()
    told = TextField(required=True, max_length=100, help_text="Who at the police was told.")
    notified_at = serializers.DateTimeField(help_text="When (not in the future).")
    receipt_no = TextField(required=True, max_length=50, help_text="The police receipt number.")


class LinkChildSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()
    child = VisibleChildField(help_text="Id of the child in the registry.")
    link_state = NamedChoiceField(
        choices=LINK_CHOICES,
        enum_name="ReportLinkChoiceEnum",
        required=False,
        default=Report.Link.LINKED,
        help_text="linked: found in the registry; registered: registered for this report.",
    )


class UnidentifiedSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()
    note = TextField(multiline=True, max_length=NOTE_LIMIT)


class OpenCaseSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the case owner (default: you). Ignored when the child has an open case.",
    )

    def validate_owner(self, value):
        if value is None:
            return None
        # An id that names nobody becomes a stand-in nobody can pick: the service then refuses
        # it where it refuses a person outside the child's area, with the same status, key
        # and words, so probing ids tells nothing.
        return User.objects.filter(pk=value, is_active=True).first() or User(is_active=False)


class CloseSerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version()
    outcome_message = TextField(
        required=True, multiline=True, max_length=OUTCOME_LIMIT,
        help_text="Shown to the reporter on the status page; no details of the child.",
    )  # fmt: skip
    no_case_reason = NamedChoiceField(
        choices=NoCaseReason.choices,
        enum_name="NoCaseReasonEnum",
        required=False,
        help_text=(
            "Required when the report names situations 1–8 and has no case: why none is "
            "needed (the supervisor's or the district's decision)."
        ),
    )


class ReportFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Report.State.choices, required=False)
    queue = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only the open reports you triage, most urgent first.",
    )


# --- output -----------------------------------------------------------------------------------


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    organisation = serializers.CharField(read_only=True)


class PoliceRecordSerializer(serializers.Serializer):
    told = serializers.CharField(read_only=True)
    notified_at = serializers.DateTimeField(read_only=True)
    receipt_no = serializers.CharField(read_only=True)


class ClockSerializer(serializers.Serializer):
    clock = NamedChoiceField(
        choices=CLOCK_CHOICES, enum_name="ReportClockEnum", source="key", read_only=True
    )
    state = NamedChoiceField(choices=CLOCK_STATES, enum_name="ReportClockStateEnum", read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    met_at = serializers.DateTimeField(read_only=True, allow_null=True)
    late = serializers.BooleanField(read_only=True)
    escalated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    time_left = serializers.CharField(
        read_only=True,
        help_text='How long until the deadline ("还剩 40 分钟") or past it ("已超时 2 小时"), in '
        "the request's language; empty once the clock is met.",
    )


class ReportSerializer(serializers.ModelSerializer):
    """A report as staff see it. `reporter` (name, phone, organisation) is null unless you are
    the supervisor of its 街镇 or district staff: the reporter's identity is confidential."""

    state = NamedChoiceField(
        choices=Report.State.choices, enum_name="ReportStateEnum", read_only=True
    )
    state_display = ChoiceDisplayField(source="get_state_display")
    channel = NamedChoiceField(
        choices=Channel.choices, enum_name="ReportChannelEnum", read_only=True
    )
    situations = serializers.SerializerMethodField()
    child_sex = _child_sex(read_only=True, allow_blank=True)  # "": not known
    child_address = serializers.SerializerMethodField()
    reporter_type = _reporter_type(read_only=True)
    reporter = serializers.SerializerMethodField()
    link_state = NamedChoiceField(
        choices=Report.Link.choices, enum_name="ReportLinkStateEnum", read_only=True
    )
    case_reference = serializers.SerializerMethodField()
    # "" until a report of harm is closed without a case (the schema says so: BlankEnum).
    no_case_reason = NamedChoiceField(
        choices=NoCaseReason.choices, enum_name="NoCaseReasonEnum", read_only=True, allow_blank=True
    )
    police = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()
    created_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "reference",
            "channel",
            "state",
            "state_display",
            "situations",
            "other_situation",
            "police_required",
            "description",
            "occurred_when",
            "place",
            "district",
            "subdistrict",
            "community",
            "child_name",
            "child_age",
            "child_sex",
            "child_school",
            "child_address",
            "reporter_type",
            "reporter",
            "child",
            "link_state",
            "case",
            "case_reference",
            "no_case_reason",
            "concern",
            "received_at",
            "acknowledged_at",
            "handling_at",
            "police",
            "outcome_message",
            "outcome_sent_at",
            "clocks",
            "created_by",
            "version",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    @extend_schema_field(serializers.ListField(child=_situation()))
    def get_situations(self, report: Report) -> list[str]:
        return report_situations(report)

    def get_child_address(self, report: Report) -> str:
        user = self._user()
        if user is not None and can_see_child_address(user, report):
            return report.child_address
        return crypto.mask_address(report.child_address)

    @extend_schema_field(ReporterSerializer(allow_null=True))
    def get_reporter(self, report: Report) -> dict | None:
        user = self._user()
        if user is None or not can_see_reporter(user, report):
            return None
        return {
            "name": report.reporter_name,
            "phone": report.reporter_phone,
            "organisation": report.reporter_org,
        }

    def get_case_reference(self, report: Report) -> str | None:
        return report.case.reference if report.case_id else None

    @extend_schema_field(PoliceRecordSerializer(allow_null=True))
    def get_police(self, report: Report) -> dict | None:
        if report.police_notified_at is None:
            return None
        return {
            "told": report.police_told,
            "notified_at": serializers.DateTimeField().to_representation(report.police_notified_at),
            "receipt_no": report.police_receipt_no,
        }

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, report: Report) -> list[dict]:
        # The clocks' words translated once for the page, not once per report.
        if "_clock_words" not in self.__dict__:
            self._clock_words = clock_words()
        clocks = report_clocks(report, words=self._clock_words)
        return rows_serializer(self, ClockSerializer).to_representation(clocks)


class ReportCreatedSerializer(ReportSerializer):
    """The new report, with its secret code: give it to the reporter now, it is not stored."""

    code = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "code"]
        read_only_fields = fields

    def get_code(self, report: Report) -> str:
        return self.context.get("code", "")


class PublicReportCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    code = serializers.CharField(
        read_only=True, help_text="Secret: with the reference it shows the report's progress."
    )


class PublicStatusSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    state = NamedChoiceField(
        choices=Report.State.choices, enum_name="ReportStateEnum", read_only=True
    )
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    acknowledged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    handling_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(source="outcome_sent_at", read_only=True, allow_null=True)
    outcome_message = serializers.CharField(read_only=True)
