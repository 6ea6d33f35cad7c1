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


class TwoFactorOffForm(forms.Form):
    """Turning two-factor sign-in off asks again who it is: a code (of the app, or a recovery
    code) or the password; one of the two."""

    code = forms.CharField(
        label=_("A code from your authenticator app, or a recovery code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Or your password"),
        max_length=4096,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("code") or "").strip() and not data.get("password"):
            self.add_error("code", _("Enter a code from your authenticator app, or your password."))
        return data


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
