from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Role, User
from weibao.accounts.selectors import district_area_ids
from weibao.accounts.services import DATA_ROLES
from weibao.areas.models import Area
from weibao.areas.selectors import area_path


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return area_path(obj)


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
