"""API shapes of partners and referrals. Input serializers check types and lengths; the rules
(who may, which area, unique names, deadlines, transitions) are the services' and come back as
field-level messages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.accounts.selectors import areas_visible_to
from weibao.areas.models import Area
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.core.text import TEXT_LIMIT
from weibao.partners.choices import ServiceType
from weibao.partners.models import Partner, PartnerKind
from weibao.partners.selectors import partners_visible_to


def service_type_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ServiceType.choices, enum_name="CaseServiceTypeEnum", **kwargs)


def partner_kind_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=PartnerKind.choices, enum_name="PartnerKindEnum", **kwargs)


# --- scoped id fields -----------------------------------------------------------------------


class VisibleAreaField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such area in your areas.")}

    def scoped(self, user):
        return areas_visible_to(user) if user is not None else Area.objects.none()


class VisiblePartnerField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such partner in your areas.")}

    def scoped(self, user):
        return partners_visible_to(user) if user is not None else Partner.objects.none()


# --- partners -------------------------------------------------------------------------------


class PartnerSerializer(serializers.ModelSerializer):
    kind = partner_kind_field(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "area",
            "area_name",
            "services",
            "address",
            "contact_name",
            "contact_phone",
            "notes",
            "active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


class PartnerCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = partner_kind_field()
    area = VisibleAreaField(help_text="Id of the area the partner serves (one you manage).")
    services = _text(300, required=False)
    address = _text(200, required=False)
    contact_name = _text(64, required=False)
    contact_phone = _text(30, required=False)
    notes = _text(TEXT_LIMIT, required=False)


class PartnerUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PATCH: the fields to change, and the version last read. `active` false deactivates
    (partners are never deleted)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    name = serializers.CharField(max_length=100, required=False)
    kind = partner_kind_field(required=False)
    area = VisibleAreaField(required=False, help_text="Id of an area you manage.")
    services = _text(300, required=False)
    address = _text(200, required=False)
    contact_name = _text(64, required=False)
    contact_phone = _text(30, required=False)
    notes = _text(TEXT_LIMIT, required=False)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the partner the client last read; a stale version gives 409.",
    )


class PartnerFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, help_text="Part of the name.")
    kind = partner_kind_field(required=False)
    area = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)

    def filter(self, qs):
        data = self.validated_data
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"].strip())
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("area"):
            qs = qs.filter(area_id=data["area"])
        if data.get("active") is not None:
            qs = qs.filter(active=data["active"])
        return qs
