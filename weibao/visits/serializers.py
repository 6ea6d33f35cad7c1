"""API shapes of home visits, the worklist, concerns and visit rules. Input serializers only
check types and lengths; the rules (who may edit, what completing needs, scheduling) are the
services' job and come back from them as field-level messages."""

from typing import Any

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.serializers import PersonSerializer
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.api import MAX_DB_INT, NamedChoiceField, StrictFieldsMixin
from weibao.core.paging import CAP
from weibao.visits.models import (
    RULE_KEY_CHOICES,
    Concern,
    Visit,
    VisitAttachment,
    VisitDue,
    VisitRule,
)
from weibao.visits.selectors import BUCKETS, Horizon, VisitListFilters

# Free-text answers of a visit form; the columns are TEXT, the cap keeps requests small.
LONG_TEXT = 4000

BUCKET_CHOICES = [
    ("overdue", _("Overdue")),
    ("week", _("Due this week")),
    ("month", _("Due this month")),
]
# A due read on its own (a child's next visit) may lie beyond this month: not a worklist bucket.
DUE_BUCKET_CHOICES = [*BUCKET_CHOICES, ("later", _("Due later"))]


# --- Output ---------------------------------------------------------------------------------


class VisitAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment: VisitAttachment) -> str:
        url = reverse("api:visit-attachment-download", kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


def _answer(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Visit.Answer.choices, enum_name="AnswerEnum", **kwargs)


def _read_answer(name: str) -> NamedChoiceField:
    # "" until the question is answered (a draft): the schema says so (BlankEnum).
    return _answer(read_only=True, allow_blank=True, help_text=_check_help(name))


def _check_help(name: str) -> str:
    # The schema is English, like the rest of its descriptions.
    with translation.override("en"):
        question = str(Visit._meta.get_field(name).verbose_name)
    return (
        f"{question} Every check asks whether the breach happened: `yes` is the risk answer "
        "and raises a concern when the visit is completed."
    )


def _concern_kind() -> NamedChoiceField:
    return NamedChoiceField(
        choices=Concern.Kind.choices, enum_name="ConcernKindEnum", read_only=True
    )


def _concern_state() -> NamedChoiceField:
    return NamedChoiceField(
        choices=Concern.State.choices, enum_name="ConcernStateEnum", read_only=True
    )


def _rule_key() -> NamedChoiceField:
    return NamedChoiceField(choices=RULE_KEY_CHOICES, enum_name="VisitRuleKeyEnum", read_only=True)


class ConcernRefSerializer(serializers.ModelSerializer):
    kind = _concern_kind()
    state = _concern_state()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Concern
        fields = ["id", "kind", "kind_display", "state"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="child.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state = NamedChoiceField(
        choices=Visit.State.choices, enum_name="VisitStateEnum", read_only=True
    )
    kind = NamedChoiceField(choices=Visit.Kind.choices, enum_name="VisitKindEnum", read_only=True)
    under8_unattended = _read_answer("under8_unattended")
    under16_alone = _read_answer("under16_alone")
    away_without_carer = _read_answer("away_without_carer")
    no_weekly_contact = _read_answer("no_weekly_contact")
    author = PersonSerializer(read_only=True)
    attachments = VisitAttachmentSerializer(many=True, read_only=True)
    concerns = ConcernRefSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "child",
            "child_name",
            "community",
            "state",
            "state_display",
            "visit_date",
            "kind",
            "kind_display",
            "met_with",
            "psychology",
            "study",
            "family_economy",
            "guardianship",
            "under8_unattended",
            "under16_alone",
            "away_without_carer",
            "no_weekly_contact",
            "policy_publicity",
            "guardianship_guidance",
            "concern_marked",
            "findings",
            "next_steps",
            "author",
            "version",
            "created_at",
            "updated_at",
            "completed_at",
            "attachments",
            "concerns",
        ]
        read_only_fields = fields


class DueSerializer(serializers.ModelSerializer):
    """A due visit; `bucket` and `overdue_days` are counted from the `today` in the context."""

    child_name = serializers.CharField(source="child.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    reason = _rule_key()
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    bucket = serializers.SerializerMethodField()
    overdue_days = serializers.SerializerMethodField()

    class Meta:
        model = VisitDue
        fields = [
            "id",
            "child",
            "child_name",
            "community",
            "community_name",
            "due_date",
            "reason",
            "reason_display",
            "bucket",
            "overdue_days",
        ]
        read_only_fields = fields

    def _horizon(self) -> Horizon:
        if "horizon" not in self.context:
            self.context["horizon"] = Horizon.of(self.context.get("today") or timezone.localdate())
        return self.context["horizon"]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=DUE_BUCKET_CHOICES,
            help_text="overdue, due this week, due later this month, or later than that.",
        )
    )
    def get_bucket(self, due: VisitDue) -> str:
        return self._horizon().bucket(due.due_date)

    def get_overdue_days(self, due: VisitDue) -> int:
        return max(0, (self._horizon().today - due.due_date).days)


class WorklistCountsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(read_only=True)
    week = serializers.IntegerField(read_only=True)
    month = serializers.IntegerField(read_only=True)
    capped = serializers.ListField(
        child=serializers.ChoiceField(choices=BUCKETS),
        read_only=True,
        help_text=(
            f"The buckets whose count stopped at {CAP}: more visits than that are due in them "
            "(each bucket is counted to that cap, as the lists of a whole district are)."
        ),
    )


class ChildDueSerializer(serializers.Serializer):
    """A child's visit schedule: the open due visit (null when none is owed) and the
    follow-up after returning home from protection."""

    due = DueSerializer(allow_null=True, read_only=True)
    returned_home_on = serializers.DateField(allow_null=True, read_only=True)
    follow_up_ends = serializers.DateField(allow_null=True, read_only=True)


class ConcernSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="child.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind = _concern_kind()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state = _concern_state()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    raised_by = PersonSerializer(read_only=True)
    handled_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "child",
            "child_name",
            "community",
            "community_name",
            "visit",
            "kind",
            "kind_display",
            "description",
            "state",
            "state_display",
            "raised_by",
            "raised_at",
            "handled_by",
            "handled_at",
            "handled_note",
        ]
        read_only_fields = fields


class VisitRuleSerializer(serializers.ModelSerializer):
    key = _rule_key()
    key_display = serializers.CharField(source="get_key_display", read_only=True)

    class Meta:
        model = VisitRule
        fields = [
            "id",
            "key",
            "key_display",
            "interval_months",
            "duration_months",
            "active",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input ----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class VisibleChildField(serializers.PrimaryKeyRelatedField):
    """A child picked by id. A child outside the user's areas gets the same answer as an id
    that does not exist, so probing ids tells nothing."""

    default_error_messages = {
        "does_not_exist": _("No such child in your areas."),
        "incorrect_type": _("Give the id of a child (a number)."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Child.objects.none()
        return children_visible_to(request.user)

    def to_internal_value(self, data):
        # Only whole numbers: the database would quietly read 1.5 as child 1.
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        # Out-of-range numbers cannot match a row; answer them like any unknown id.
        if not 0 < data <= MAX_DB_INT:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class VisitCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    child = VisibleChildField(help_text="Id of the child visited.")


def _text(max_length: int = LONG_TEXT) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, required=False)


def _check(name: str) -> NamedChoiceField:
    return _answer(allow_blank=True, required=False, help_text=_check_help(name))


class VisitFieldsSerializer(StrictFieldsMixin, serializers.Serializer):
    """The visit form: every field optional, absent fields are left as they are."""

    # Optional fields are declared as such; refusing DRF's partial mode keeps the schema
    # generator from dropping `version` from the required fields of PATCH.
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    visit_date = serializers.DateField(required=False, allow_null=True)
    kind = NamedChoiceField(choices=Visit.Kind.choices, enum_name="VisitKindEnum", required=False)
    met_with = _text(200)
    psychology = _text()
    study = _text()
    family_economy = _text()
    guardianship = _text()
    under8_unattended = _check("under8_unattended")
    under16_alone = _check("under16_alone")
    away_without_carer = _check("away_without_carer")
    no_weekly_contact = _check("no_weekly_contact")
    policy_publicity = serializers.BooleanField(required=False)
    guardianship_guidance = serializers.BooleanField(required=False)
    concern_marked = serializers.BooleanField(required=False)
    findings = _text()
    next_steps = _text()
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        write_only=True,
        help_text="The version of the visit the client last read; a stale version gives 409.",
    )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("version", None)
        return data


class VisitUpdateSerializer(VisitFieldsSerializer):
    """PATCH of a draft: the fields typed so far plus `version`."""


class VisitCompleteSerializer(VisitFieldsSerializer):
    """Submit a draft, optionally with last changes to its fields."""


class VisitFilterSerializer(serializers.Serializer):
    child = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    state = serializers.ChoiceField(choices=Visit.State.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="Visit date on or after.")
    date_to = serializers.DateField(required=False, help_text="Visit date on or before.")

    def filter(self, qs):
        data = self.validated_data
        if "child" in data:
            qs = qs.filter(child_id=data["child"])
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        if "date_from" in data:
            qs = qs.filter(visit_date__gte=data["date_from"])
        if "date_to" in data:
            qs = qs.filter(visit_date__lte=data["date_to"])
        return qs


class VisitExportFilterSerializer(serializers.Serializer):
    """Query parameters of the list of completed visits as xlsx."""

    date_from = serializers.DateField(required=False, help_text="Visit date on or after.")
    date_to = serializers.DateField(required=False, help_text="Visit date on or before.")
    community = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="A 居民区's id."
    )

    def to_filters(self) -> VisitListFilters:
        return VisitListFilters(**self.validated_data)


class WorklistFilterSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(
        choices=BUCKET_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Only the visits overdue, due this week, or due later this month.",
    )


class AttachmentUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(
        help_text="A JPEG or PNG photo or a PDF document, at most 5 MB (recognised by content)."
    )


class ConcernFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Concern.State.choices, required=False)
    child = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="Only this child's concerns."
    )


class ConcernHandleSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        max_length=LONG_TEXT,
        allow_blank=True,
        help_text="How the concern was handled.",
    )


class VisitRuleUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PATCH of a visit rule; fields left out keep their current value."""

    interval_months = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_DB_INT, help_text="1 to 12."
    )
    active = serializers.BooleanField(required=False)
    duration_months = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="Follow-up period after returning home (3 to 12); only for returned_home.",
    )

    def service_arguments(self, rule: VisitRule) -> dict[str, Any]:
        data = self.validated_data
        return {
            "interval_months": data.get("interval_months", rule.interval_months),
            "active": data.get("active", rule.active),
            "duration_months": data.get("duration_months", rule.duration_months),
        }


class ReturnedHomeSerializer(StrictFieldsMixin, serializers.Serializer):
    date = serializers.DateField(help_text="The day the child returned to the family.")
