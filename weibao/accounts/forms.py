from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Role, User
from weibao.accounts.selectors import communities_visible_to, district_area_ids
from weibao.accounts.services import DATA_ROLES
from weibao.areas.models import Area
from weibao.areas.selectors import area_path
from weibao.core.views_helpers import posted_id


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return area_path(obj)


def area_filter_fields(form: forms.Form, actor) -> None:
    """The 街镇 and 居民区 filters of a list (its form's `subdistrict` and `community` fields):
    both accept any area the user sees. A user of one 街镇 gets the 居民区 alone, all of them.
    A user of several 街镇 (district staff: a district has hundreds of 居民区) gets the 街镇,
    and the 居民区 of the 街镇 chosen, or of the 居民区 chosen (from a link); none before a
    街镇 is chosen. With a select of every 居民区 of a district of 1,000, and their ids in its
    queries, the district's children list took twice as long (docs/performance.md, "The
    district's 居民区 as a condition, not a list")."""
    communities = communities_visible_to(actor).order_by("code", "name")
    form.fields["community"].queryset = communities
    subdistricts = Area.objects.filter(
        level=Area.Level.SUBDISTRICT, pk__in=communities.values("parent_id")
    ).order_by("code", "name")
    form.fields["subdistrict"].queryset = subdistricts
    listed = list(subdistricts.values_list("pk", "name"))
    if len(listed) < 2:
        del form.fields["subdistrict"]
        return
    all_label = form.fields["subdistrict"].empty_label
    form.fields["subdistrict"].widget.choices = [("", all_label), *listed]

    def number(name: str) -> int | None:
        return posted_id(str(form.data.get(name, ""))) if form.is_bound else None

    chosen, community = number("subdistrict"), number("community")
    if community is not None:
        parent = communities.filter(pk=community).values_list("parent_id", flat=True).first()
        if chosen is None:
            chosen = parent
        elif parent != chosen:
            # Another 街镇 chosen with the 居民区 of the last one still set: the 街镇 wins, as
            # the page then shows (its 居民区 select offers that 街镇's), not an empty list.
            form.data = form.data.copy()
            form.data.pop("community", None)
    offered = communities.filter(parent_id=chosen) if chosen else communities.none()
    form.fields["community"].widget.choices = [
        ("", form.fields["community"].empty_label),
        *offered.values_list("pk", "name"),
    ]


def role_choices() -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in Role if r in DATA_ROLES]


def district_areas(districts):
    """The open areas of the districts, for a role's area (a closed one takes no new role)."""
    return (
        Area.objects.open()
        .filter(pk__in=district_area_ids(districts))
        .select_related("parent", "parent__parent")
        .order_by("parent__parent__name", "parent__name", "name")
    )


class RoleGrantForm(forms.Form):
    """Give a person a role in one of the districts the signed-in district staff manage."""

    # Named "user" so that the service's refusals about the person land next to it.
    user = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("role"), choices=role_choices)
    area = AreaChoiceField(label=_("area"), queryset=Area.objects.none())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = district_areas(districts)

    def clean_user(self) -> User:
        name = self.cleaned_data["user"].strip()
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("No account has this username."))
        return user


class PersonInviteForm(forms.Form):
    """A new account with its first role (accounts.services.user_invite): the person sets a
    password with the one-time link shown after saving."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What they sign in with: letters, digits and . @ + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("full name"), max_length=64)
    phone = forms.CharField(
        label=_("work phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("role"), choices=role_choices)
    area = AreaChoiceField(label=_("area"), queryset=Area.objects.none())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = district_areas(districts)
