from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import Area


class AreaNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class AreaCreateForm(forms.Form):
    """A new 街镇 (in a district) or 居民区 (in a 街镇): the parent's level says which."""

    parent = AreaNameField(label=_("in"), queryset=Area.objects.none())
    name = forms.CharField(label=_("area name"), max_length=64)
    code = forms.CharField(
        label=_("official code"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        if len(parents) == 1:  # the one choice chosen (a district staff's own district)
            self.fields["parent"].empty_label = None


class AreaRenameForm(forms.Form):
    name = forms.CharField(label=_("area name"), max_length=64)
    code = forms.CharField(
        label=_("official code"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class AreaCloseForm(forms.Form):
    move_to = AreaNameField(
        label=_("its children move to"), queryset=Area.objects.none(), required=False
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = targets


class AreaMergeForm(forms.Form):
    into = AreaNameField(label=_("merge into"), queryset=Area.objects.none())

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets
