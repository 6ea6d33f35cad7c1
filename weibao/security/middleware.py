"""SignInGuardMiddleware (after django-otp's OTPMiddleware): a person who has set up two-factor
sign-in, or who must, reaches nothing but the code page, the set-up page and the way out until
the second step is done; and each signed-in request keeps the device list current."""

from urllib.parse import urlencode

from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from weibao.security.selectors import has_two_factor_kept, two_factor_required
from weibao.security.services import device_touch

# The pages a person half signed in may open: the second step, leaving, the language, and the
# public door (which anyone may use), and the health check.
OPEN_URL_NAMES = {
    "security:verify",
    "security:enrol",
    "logout",
    "set_language",
    "admin:logout",
    "healthz",
}
OPEN_NAMESPACES = {"public_report"}


def two_factor_pending(user) -> bool:
    """Signed in with a password only, while a second step is expected of this user."""
    if not user.is_authenticated or user.is_verified():
        return False
    return two_factor_required(user) or has_two_factor_kept(user)


class SignInGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated and hasattr(request, "session"):
            device_touch(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in OPEN_URL_NAMES:
            return None
        if set(match.namespaces) & OPEN_NAMESPACES:
            return None
        if not two_factor_pending(request.user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Finish signing in: enter your two-factor code first.")},
                status=403,
            )
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('security:verify')}?{query}")
