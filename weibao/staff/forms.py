"""Forms of the staff roster. They check types and lengths; the rules (who may, where a role
works, dates, the wall's consent) are the services' and come back as field errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import Area
from weibao.core.crypto import mask_phone
from weibao.core.forms import DateInput
from weibao.staff.choices import HonourLevel, Qualification, StaffRole
from weibao.staff.models import StaffMember
from weibao.staff.selectors import active_q

LEVEL_INDENT = {Area.Level.DISTRICT: 0, Area.Level.SUBDISTRICT: 0, Area.Level.COMMUNITY: 1}


def tree_order(areas) -> list[Area]:
    """Each 街镇 followed by its 居民区."""

    def key(area: Area):
        if area.level == Area.Level.COMMUNITY:
            return (area.parent.code or "~", area.parent.name, 1, area.code or "~", area.name)
        return (area.code or "~", area.name, 0, "", "")

    return sorted(areas, key=key)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area: Area) -> str:
        return "\u2003" * LEVEL_INDENT.get(area.level, 0) + area.name


def area_field(queryset, *, blank_label="---------", **kwargs) -> AreaChoiceField:
    field = AreaChoiceField(queryset=queryset, **kwargs)
    field.choices = [("", blank_label)] + [
        (area.pk, field.label_from_instance(area)) for area in tree_order(queryset)
    ]
    return field


class StaffForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=64)
    role = forms.ChoiceField(label=_("role"), choices=[("", "---------"), *StaffRole.choices])
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    work_phone = forms.CharField(
        label=_("work phone"),
        max_length=30,
        required=False,
        help_text=_("The number the public may call (the display wall), if the person agrees."),
    )
    publish_on_display_wall = forms.BooleanField(
        label=_("agrees to be shown on the display wall (name and work phone)"), required=False
    )
    start_date = forms.DateField(label=_("start date"), widget=DateInput())
    end_date = forms.DateField(label=_("end date"), widget=DateInput(), required=False)
    full_time = forms.BooleanField(label=_("full-time"), required=False)
    qualifications = forms.MultipleChoiceField(
        label=_("qualifications"),
        choices=Qualification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    qualifications_note = forms.CharField(
        label=_("other qualifications"),
        max_length=200,
        required=False,
        help_text=_("For example: trained in family education guidance."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, areas, member: StaffMember | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["area"] = area_field(
            areas,
            label=_("works at"),
            help_text=_("The 街镇 (the station) or one of its 居民区."),
        )
        if member is not None and member.phone:
            self.fields["phone"].help_text = _(
                "Leave empty to keep the number on file (%(masked)s)."
            ) % {"masked": member_masked_phone(member)}
        self.order_fields(["name", "role", "area"])

    @staticmethod
    def initial_from(member: StaffMember) -> dict:
        initial = {
            field: getattr(member, field)
            for field in (
                "name", "role", "work_phone", "publish_on_display_wall", "start_date",
                "end_date", "full_time", "qualifications", "qualifications_note", "version",
            )
        }  # fmt: skip
        initial["area"] = member.place.pk
        return initial

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if self.member is not None and not data.get("phone"):
            data.pop("phone", None)  # the masked number is kept
        return data


def member_masked_phone(member: StaffMember) -> str:
    return mask_phone(member.phone)


ACTIVE_CHOICES = [("1", _("Working now")), ("0", _("Left")), ("all", _("All"))]


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), max_length=64, required=False)
    role = forms.ChoiceField(
        label=_("role"), choices=[("", _("All roles")), *StaffRole.choices], required=False
    )
    active = forms.ChoiceField(label=_("status"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_field(
            areas, blank_label=_("All areas"), label=_("works at"), required=False
        )
        self.order_fields(["q", "role", "area", "active"])

    def filter(self, qs, today):
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        active = data.get("active") or "1"
        if active == "1":
            qs = qs.filter(active_q(today))
        elif active == "0":
            qs = qs.exclude(active_q(today))
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        area = data.get("area")
        if area is not None:
            if area.level == Area.Level.COMMUNITY:
                qs = qs.filter(community=area)
            else:
                qs = qs.filter(subdistrict=area)
        if data.get("q"):
            qs = qs.filter(name__icontains=data["q"].strip())
        return qs


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("last day in the post"), widget=DateInput())
    note = forms.CharField(label=_("note"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the full number?"), max_length=200)


class AccountForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
    )


class LinkForm(forms.Form):
    username = forms.CharField(
        label=_("Username of an existing account"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to unlink."),
    )


class HonourForm(forms.Form):
    title = forms.CharField(label=_("title of the honour"), max_length=200)
    level = forms.ChoiceField(label=_("level"), choices=[("", "---------"), *HonourLevel.choices])
    awarded_on = forms.DateField(label=_("date awarded"), widget=DateInput())
    issuer = forms.CharField(label=_("awarded by"), max_length=100, required=False)
