"""The sign-in security pages: the two-factor step and its set-up, a person's own security page
(recovery codes, API tokens, signed-in devices) and the district's page (the 儿童主任 rule,
who has two-factor sign-in, resets, everyone's tokens)."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from weibao.core.exceptions import Blocked
from weibao.core.views_helpers import apply_errors, per_district_forms
from weibao.security import selectors, services
from weibao.security.forms import (
    CodeForm,
    EnrolForm,
    ResetForm,
    SignInPolicyForm,
    TokenForm,
    TwoFactorOffForm,
)
from weibao.security.models import ApiToken, SignedInDevice


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Back to the second step itself would go round in a circle.
    if target.startswith(resolve_url("security:verify")):
        target = ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- the second step of signing in ------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the user's app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not selectors.has_two_factor(user):
        if selectors.two_factor_required(user):
            return redirect(f"{resolve_url('security:enrol')}?{request.GET.urlencode()}")
        return redirect(_next(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(actor=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            otp_login(request, device)
            # A new session key for the fully signed-in session, as at the password step.
            request.session.cycle_key()
            left = selectors.recovery_codes_left(user)
            if device.__class__ is not TOTPDevice and left <= 3:
                messages.warning(
                    request,
                    _("%(n)d recovery codes left: make new ones on your security page.")
                    % {"n": left},
                )
            return redirect(_next(request))
    return render(request, "security/verify.html", {"form": form, "next": _next(request)})


# --- setting it up --------------------------------------------------------------------------


def _qr_svg(device: TOTPDevice) -> str:
    # Made here and put in the page: the secret never leaves the server for a QR service.
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(border=3, light="#fff", svgclass="qr", title="QR", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own markup, no user input in it


def _secret_words(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), confirm with a code, receive the recovery codes.
    The secret shows while setting up only; each new visit makes a new one."""
    user = request.user
    if selectors.has_two_factor(user):
        messages.info(request, _("Two-factor sign-in is already set up."))
        return redirect("security:overview")
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            return redirect(request.get_full_path())
        if form.is_valid():
            try:
                device, codes = services.two_factor_enrol_confirm(
                    actor=user, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except Blocked as exc:
                form.add_error(None, exc.message)
            else:
                otp_login(request, device)
                request.session.cycle_key()
                return _show_codes(request, codes, first=True)
    else:
        device = services.two_factor_enrol_start(actor=user)
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            "qr": _qr_svg(device),
            "secret": _secret_words(device),
            "required": selectors.two_factor_required(user),
            "next": _next(request),
        },
    )


def _show_codes(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    response = render(
        request,
        "security/recovery_codes.html",
        {
            "codes": [f"{c[:4]}-{c[4:]}" for c in codes],
            "first": first,
            "next": _next(request),
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.recovery_codes_renew(actor=request.user)
    except Blocked as exc:
        messages.error(request, exc.message)
        return redirect("security:overview")
    return _show_codes(request, codes, first=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, for whom it is optional (docs/security.md): 403 for whoever
    must use it, as the account page shows them no such button."""
    user = request.user
    if selectors.two_factor_required(user):
        raise PermissionDenied
    if not selectors.has_two_factor(user):
        messages.info(request, _("Two-factor sign-in is off."))
        return redirect("security:overview")
    form = TwoFactorOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_disable(
                actor=user,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Blocked as exc:  # turned off meanwhile, in another tab
            messages.info(request, exc.message)
            return redirect("security:overview")
        else:
            messages.success(
                request,
                _("Two-factor sign-in is off. Your recovery codes no longer work."),
            )
            return redirect("security:overview")
    return render(request, "security/two_factor_disable.html", {"form": form})


# --- a person's own security page -------------------------------------------------------------


@login_required
@require_GET
def overview_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = selectors.confirmed_totp(user)
    return render(
        request,
        "security/overview.html",
        {
            "device": device,
            "required": selectors.two_factor_required(user),
            "required_anywhere": settings.WEIBAO_2FA_REQUIRED,
            "codes_left": selectors.recovery_codes_left(user) if device else 0,
            "is_district": bool(selectors.managed_districts(user)),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; a new one's key is shown in the answer to the form, once."""
    user = request.user
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                actor=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm()
    tokens = selectors.with_states(selectors.tokens_visible_to(user).filter(user=user))
    response = render(
        request,
        "security/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "days": settings.WEIBAO_TOKEN_DAYS},
    )
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = selectors.token_get_for_user(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("security:district_tokens")
    return redirect("security:tokens")


@login_required
@require_GET
def devices_view(request: HttpRequest) -> HttpResponse:
    devices = selectors.devices_of(request.user, request.session.session_key)
    return render(request, "security/devices.html", {"devices": devices})


@login_required
@require_POST
def device_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        device = selectors.device_get_for_user(request.user, pk, request.session.session_key)
    except SignedInDevice.DoesNotExist:
        raise Http404 from None
    try:
        services.device_revoke(
            actor=request.user, device=device, current_key=request.session.session_key
        )
    except Blocked as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("That device is signed out."))
    return redirect("security:devices")


@login_required
@require_POST
def devices_revoke_others_view(request: HttpRequest) -> HttpResponse:
    count = services.devices_revoke_others(
        actor=request.user, current_key=request.session.session_key
    )
    messages.success(request, _("%(n)d other devices signed out.") % {"n": count})
    return redirect("security:devices")


# --- the district's page ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def district_view(request: HttpRequest) -> HttpResponse:
    """District staff: whether their 儿童主任 must use two-factor sign-in, and who has it."""
    districts = selectors.managed_districts(request.user)
    if not districts:
        raise Http404
    bound_pk, bound = None, None
    if request.method == "POST":
        raw = request.POST.get("district", "").strip()
        district = next((d for d in districts if str(d.pk) == raw), None)
        if district is None:
            raise Http404
        form = SignInPolicyForm(
            request.POST, instance=selectors.sign_in_policy_for(district), prefix=f"d{district.pk}"
        )
        if form.is_valid():
            services.sign_in_policy_update(
                actor=request.user,
                district=district,
                directors_need_two_factor=form.cleaned_data["directors_need_two_factor"],
            )
            messages.success(
                request, _("Sign-in rules of %(district)s saved.") % {"district": district.name}
            )
            return redirect("security:district")
        bound_pk, bound = district.pk, form
    return render(
        request,
        "security/district.html",
        {
            "rows": per_district_forms(
                districts, selectors.sign_in_policy_for, SignInPolicyForm, bound_pk, bound
            ),
            "people": selectors.district_people(request.user),
            "required_anywhere": settings.WEIBAO_2FA_REQUIRED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def district_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.users_managed_by(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404
    form = ResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_reset(
                actor=request.user, user=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Two-factor sign-in of %(name)s reset: they set it up at their next sign-in.")
                % {"name": person},
            )
            return redirect("security:district")
    return render(
        request,
        "security/district_reset.html",
        {"person": person, "form": form, "enrolled": selectors.has_two_factor(person)},
    )


@login_required
@require_GET
def district_tokens_view(request: HttpRequest) -> HttpResponse:
    if not selectors.managed_districts(request.user):
        raise Http404
    tokens = selectors.active_tokens(
        selectors.tokens_visible_to(request.user).exclude(user=request.user)
    )
    return render(request, "security/district_tokens.html", {"tokens": tokens})
