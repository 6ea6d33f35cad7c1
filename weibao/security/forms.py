from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from weibao.security.models import SignInPolicy
from weibao.security.services import REASON_MAX, TOKEN_NAME_MAX


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*"}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=TOKEN_NAME_MAX,
        help_text=_("What the token is for, e.g. the tool that uses it."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The longest life is a setting (WEIBAO_TOKEN_DAYS); the service checks it.
        self.fields["days"].initial = settings.WEIBAO_TOKEN_DAYS
        self.fields["days"].widget.attrs["max"] = settings.WEIBAO_TOKEN_DAYS


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the phone with the app was lost. Kept in the audit log."),
    )


class SignInPolicyForm(forms.ModelForm):
    class Meta:
        model = SignInPolicy
        fields = ["directors_need_two_factor"]
