"""Forms of the partner registry and of referrals. They check types and lengths; the rules
(who may, which area, unique names, deadlines) are the services' and come back as field
errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.selectors import areas_visible_to
from weibao.areas.models import Area
from weibao.core.text import TEXT_LIMIT
from weibao.partners.models import Partner, PartnerKind
from weibao.partners.selectors import areas_managed_by

LEVEL_ORDER = {Area.Level.DISTRICT: 0, Area.Level.SUBDISTRICT: 1, Area.Level.COMMUNITY: 2}


def tree_order(areas) -> list[Area]:
    """Areas as a tree: each district, then each of its 街镇 followed by its 居民区."""

    def key(area: Area):
        chain: list[Area] = []
        node: Area | None = area
        while node is not None:
            chain.append(node)
            node = node.parent
        return [(a.code or "~", a.name) for a in reversed(chain)]

    return sorted(areas, key=key)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area: Area) -> str:
        return "\u2003" * LEVEL_ORDER.get(area.level, 0) + area.name


def _area_field(queryset, **kwargs) -> AreaChoiceField:
    field = AreaChoiceField(queryset=queryset, **kwargs)
    ordered = tree_order(queryset)
    field.choices = [("", "---------")] + [
        (area.pk, field.label_from_instance(area)) for area in ordered
    ]
    return field


def posted_version(data) -> int:
    try:
        return int(data.get("version", ""))
    except (TypeError, ValueError):
        return -1  # a tampered or missing version can only ever conflict


class PartnerForm(forms.Form):
    # "partner name"/"partner type", not "name"/"type": those words already mean a person's
    # name and the kind of a visit elsewhere, and must be translated differently here.
    name = forms.CharField(label=_("partner name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("partner type"), choices=[("", "---------"), *PartnerKind.choices]
    )
    services = forms.CharField(
        label=_("services offered"),
        max_length=300,
        required=False,
        help_text=_("For example: after-school care, counselling, legal advice."),
    )
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30, required=False)
    notes = forms.CharField(
        label=_("notes"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor, keep_area: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A closed area leaves the choices; a partner's present one stays (docs/domain.md §1.16).
        self.fields["area"] = _area_field(
            areas_managed_by(actor).pickable(keep_area),
            label=_("area"),
            help_text=_("Where the partner serves: a district partner serves every 街镇."),
        )
        self.order_fields(["name", "kind", "area"])

    @staticmethod
    def initial_from(partner: Partner) -> dict:
        initial = {
            name: getattr(partner, name)
            for name in ("name", "kind", "services", "address", "contact_name", "contact_phone",
                         "notes")
        }  # fmt: skip
        initial["area"] = partner.area_id
        initial["version"] = partner.version
        return initial

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class PartnerActiveForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=TEXT_LIMIT, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


ACTIVE_CHOICES = [("1", _("Active")), ("0", _("Inactive")), ("all", _("All"))]


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label=_("partner name"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("partner type"),
        choices=[("", _("All types")), *PartnerKind.choices],
        required=False,
    )
    active = forms.ChoiceField(label=_("active"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = _area_field(areas_visible_to(actor), label=_("area"), required=False)
        self.fields["area"].choices = [("", _("All areas")), *list(self.fields["area"].choices)[1:]]

    def filter(self, qs):
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        active = data.get("active") or "1"
        if active != "all":
            qs = qs.filter(active=active == "1")
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("area"):
            qs = qs.filter(area=data["area"])
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"].strip())
        return qs
