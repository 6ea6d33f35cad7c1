"""API shapes of a child's file. Input serializers only check types and lengths; the rules of
the domain (ID number, scope, duplicates…) live in validation.py and are applied by the services."""

from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.selectors import areas_visible_to
from weibao.areas.models import Area
from weibao.children.categories import IN_DIFFICULTY_FILTER, Category
from weibao.children.choices import (
    AGED_OUT,
    AGED_OUT_LABEL,
    AgeBand,
    DisabilityLevel,
    DisabilityType,
    Grade,
    Health,
    HukouType,
    IncomeSource,
    Relation,
    Sex,
    Status,
)
from weibao.children.ethnicity import ETHNICITIES
from weibao.children.models import Child, Guardian
from weibao.children.selectors import ChildFilters, child_categories, child_guardians
from weibao.children.services import REVEALABLE, GuardianInput
from weibao.core import crypto
from weibao.core.api import MAX_DB_INT, BlankChoicesMixin, StrictFieldsMixin

# Free-text columns are TEXT in the database; a cap keeps one request from storing megabytes.
LONG_TEXT = 2000

EFFECTIVE_STATUS_CHOICES = [*Status.choices, (AGED_OUT, AGED_OUT_LABEL)]


# --- Output ---------------------------------------------------------------------------------


class GuardianSerializer(serializers.ModelSerializer):
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)

    class Meta:
        model = Guardian
        fields = [
            "id",
            "name",
            "relation",
            "relation_display",
            "phone_masked",
            "work_location",
            "is_entrusted_carer",
            "able_to_guard",
            "notes",
        ]
        read_only_fields = fields


class ChildSerializer(BlankChoicesMixin, serializers.ModelSerializer):
    """A child's file as the API shows it: sensitive values only ever masked."""

    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    age = serializers.SerializerMethodField()
    address_masked = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    subdistrict = serializers.IntegerField(source="subdistrict_id", read_only=True)
    district = serializers.IntegerField(source="district_id", read_only=True)
    categories = serializers.SerializerMethodField()
    guardians = serializers.SerializerMethodField()
    effective_status = serializers.SerializerMethodField()
    effective_status_display = serializers.CharField(
        source="effective_status_label", read_only=True
    )

    class Meta:
        model = Child
        fields = [
            "id",
            "name",
            "sex",
            "sex_display",
            "ethnicity",
            "birth_date",
            "age",
            "id_number_masked",
            "hukou_type",
            "hukou_place",
            "address_masked",
            "community",
            "community_name",
            "subdistrict",
            "district",
            "school",
            "grade",
            "boarding",
            "health",
            "disability_type",
            "disability_level",
            "health_notes",
            "family_situation",
            "income_source",
            "notes",
            "categories",
            "guardians",
            "status",
            "effective_status",
            "effective_status_display",
            "status_date",
            "status_reason",
            "anonymised_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_age(self, child: Child) -> int:
        return child.age()

    def get_address_masked(self, child: Child) -> str:
        return crypto.mask_address(child.address)

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    )
    def get_categories(self, child: Child) -> list[str]:
        return child_categories(child)

    @extend_schema_field(GuardianSerializer(many=True))
    def get_guardians(self, child: Child) -> list[dict]:
        # From the list's prefetch, else read with the child's district (child_guardians).
        return GuardianSerializer(child_guardians(child), many=True).data

    @extend_schema_field(serializers.ChoiceField(choices=EFFECTIVE_STATUS_CHOICES))
    def get_effective_status(self, child: Child) -> str:
        return child.effective_status()


class RevealResultSerializer(serializers.Serializer):
    value = serializers.CharField()


# --- Input ----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class VisibleCommunityField(serializers.PrimaryKeyRelatedField):
    """A 居民区 picked by id. Areas outside the user's scope are indistinguishable from ids
    that do not exist, so probing ids tells nothing about the tree."""

    default_error_messages = {
        "does_not_exist": _("You can only register children in your own areas."),
        "incorrect_type": _("Give the id of a residential area (a number)."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Area.objects.none()
        return areas_visible_to(request.user)


class GuardianInputSerializer(StrictFieldsMixin, serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of an existing guardian to update; leave out to add a new guardian.",
    )
    name = serializers.CharField(max_length=64)
    relation = serializers.ChoiceField(choices=Relation.choices)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        write_only=True,
        validators=[
            RegexValidator(r"^[0-9+\- ]*$", _("A phone number has only digits, spaces, + and -."))
        ],
        help_text=(
            "Full phone number. For an existing guardian, leave it out to keep the current "
            "number (the API only ever shows it masked); send an empty string to clear it."
        ),
    )
    work_location = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    is_entrusted_carer = serializers.BooleanField(required=False, default=False)
    able_to_guard = serializers.BooleanField(required=False, default=True)
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class _ChildInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """Every writable field, all optional; the create and update variants below add what each
    needs. Fields absent from the input stay absent from validated_data."""

    name = serializers.CharField(max_length=64, allow_blank=True, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    ethnicity = serializers.ChoiceField(choices=ETHNICITIES, required=False)
    birth_date = serializers.DateField(required=False)
    id_number = serializers.CharField(
        max_length=32,
        allow_blank=True,
        required=False,
        write_only=True,
        help_text="The full 18-character ID number. It is never returned, only a masked form.",
    )
    hukou_type = serializers.ChoiceField(choices=HukouType.choices, required=False)
    hukou_place = serializers.CharField(max_length=100, allow_blank=True, required=False)
    address = serializers.CharField(
        max_length=200, allow_blank=True, required=False, write_only=True
    )
    community = VisibleCommunityField(required=False, help_text="Id of the 居民区 (area).")
    school = serializers.CharField(max_length=100, allow_blank=True, required=False)
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, required=False)
    boarding = serializers.BooleanField(required=False)
    health = serializers.ChoiceField(choices=Health.choices, required=False)
    disability_type = serializers.ChoiceField(
        choices=DisabilityType.choices, allow_blank=True, required=False
    )
    disability_level = serializers.ChoiceField(
        choices=DisabilityLevel.choices, allow_blank=True, required=False
    )
    health_notes = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, required=False)
    family_situation = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, required=False)
    income_source = serializers.ChoiceField(
        choices=IncomeSource.choices, allow_blank=True, required=False
    )
    notes = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, required=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices),
        max_length=len(Category.choices),
        required=False,
        help_text="Category codes; the list replaces the current one.",
    )
    guardians = GuardianInputSerializer(
        many=True,
        max_length=20,
        required=False,
        help_text=(
            "The full list of guardians: an entry with id updates that guardian, one without "
            "adds a guardian, guardians left out are removed. Leave the key out to keep them."
        ),
    )

    def service_arguments(self) -> dict[str, Any]:
        """validated_data split the way the services take it: data, categories, guardians
        (None for the last two when the client left them out)."""
        data = dict(self.validated_data)
        data.pop("version", None)
        categories = data.pop("categories", None)
        guardians = data.pop("guardians", None)
        return {
            "data": data,
            "categories": categories,
            "guardians": None if guardians is None else [_guardian_input(g) for g in guardians],
        }


def _guardian_input(entry: dict[str, Any]) -> GuardianInput:
    # Clients only ever see the masked phone, so a left-out phone means "keep the stored one".
    return GuardianInput(**{"phone": None, **entry})


class ChildCreateSerializer(_ChildInputSerializer):
    # Required keys of a new file, so the schema says so; a blank name or ID number still
    # reaches the services, which answer with the domain's own messages.
    name = serializers.CharField(max_length=64, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    id_number = serializers.CharField(
        max_length=32,
        allow_blank=True,
        write_only=True,
        help_text="The full 18-character ID number. It is never returned, only a masked form.",
    )
    hukou_type = serializers.ChoiceField(choices=HukouType.choices)
    community = VisibleCommunityField(help_text="Id of the 居民区 (area).")


class ChildUpdateSerializer(_ChildInputSerializer):
    """PATCH input: every field optional except `version`."""

    # Optional fields are declared as such, so DRF's partial mode is not needed; refusing it
    # also stops the schema generator from treating PATCH as partial and dropping `version`
    # from the required fields.
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    id_number = serializers.CharField(
        max_length=32,
        allow_blank=True,
        required=False,
        write_only=True,
        help_text="A new full ID number; leave out or send empty to keep the current one.",
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        write_only=True,
        help_text="The version of the file the client last read; a stale version gives 409.",
    )


class StatusChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    version = serializers.IntegerField(min_value=0, max_value=MAX_DB_INT)


class RevealSerializer(StrictFieldsMixin, serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in REVEALABLE])
    reason = serializers.CharField(max_length=200, allow_blank=True)
    guardian = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DB_INT,
        help_text="Id of the guardian whose phone to reveal (for field guardian_phone).",
    )


CATEGORY_FILTER_CHOICES = [
    *Category.choices,
    (IN_DIFFICULTY_FILTER, _("Children in difficulty")),
]


class ChildFilterSerializer(serializers.Serializer):
    """Query parameters of the child list; checked here so that child_list only ever sees
    well-formed values."""

    subdistrict = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="Sub-district (街镇) id."
    )
    community = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_DB_INT, help_text="Residential area id."
    )
    category = serializers.ChoiceField(choices=CATEGORY_FILTER_CHOICES, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    age_band = serializers.ChoiceField(choices=AgeBand.choices, required=False)
    status = serializers.ChoiceField(choices=EFFECTIVE_STATUS_CHOICES, required=False)
    q = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Name, pinyin initials, full ID number or a guardian's phone number.",
    )

    def to_filters(self) -> ChildFilters:
        return ChildFilters(**self.validated_data)
