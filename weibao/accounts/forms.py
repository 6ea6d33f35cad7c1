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


class RoleGrantForm(forms.Form):
    """Give a person a role in one of the districts the signed-in district staff manage."""

    # Named "user" so that the service's refusals about the person land next to it.
    user = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(
        label=_("role"), choices=[(r.value, r.label) for r in Role if r in DATA_ROLES]
    )
    area = AreaChoiceField(label=_("area"), queryset=Area.objects.none())

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.filter(pk__in=district_area_ids(districts))
            .select_related("parent", "parent__parent")
            .order_by("parent__parent__name", "parent__name", "name")
        )

    def clean_user(self) -> User:
        name = self.cleaned_data["user"].strip()
        user = User.objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("No account has this username."))
        return user
