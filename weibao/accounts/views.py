"""The pages of the accounts app: one's own password, the one-time link that sets a password,
and the district's people and roles."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.forms import PersonInviteForm, RoleGrantForm
from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import (
    district_area_ids,
    districts_managed_by,
    password_link,
    people_with_roles,
    person_get_for_manager,
    users_who_may_reveal,
)
from weibao.accounts.services import (
    role_assignment_grant,
    role_assignment_revoke,
    user_invite,
    user_password_change,
    user_password_reset,
    user_password_set_by_link,
    user_reveal_set,
    user_set_active,
)
from weibao.core.views_helpers import apply_errors


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change in the product's page; it saves through the audited service,
    which ends the user's other sessions (this one is kept)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change")

    def form_valid(self, form):
        try:
            user = user_password_change(
                actor=self.request.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password2", exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(
            self.request,
            _("Your password has been changed. Your other sessions have been signed out."),
        )
        return redirect(self.success_url)


# --- people and roles (district staff) ---------------------------------------------------------


def _districts_or_404(request: HttpRequest) -> list:
    districts = districts_managed_by(request.user)
    if not districts:
        raise Http404
    return districts


def _render_people(request: HttpRequest, districts, form: RoleGrantForm) -> HttpResponse:
    people = list(people_with_roles(request.user))
    revealers = users_who_may_reveal({person.pk for person in people})
    rows = [(person, person.district_roles, person.pk in revealers) for person in people]
    return render(
        request,
        "accounts/people.html",
        {"people": rows, "form": form, "districts": districts, "me": request.user.pk},
    )


@login_required
def people_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    return _render_people(request, districts, RoleGrantForm(districts=districts))


def _link_page(request: HttpRequest, person: User, *, new: bool) -> HttpResponse:
    """The one-time link, shown once: it is in this answer only (never stored, never in a
    message that a reload would show again), and no cache keeps the page."""
    path, expires = password_link(person)
    response = render(
        request,
        "accounts/person_link.html",
        {
            "person": person,
            "link": request.build_absolute_uri(path),
            "expires": expires,
            "new": new,
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
def person_invite_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    form = PersonInviteForm(request.POST if request.method == "POST" else None, districts=districts)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = user_invite(
                actor=request.user,
                username=d["username"],
                full_name=d["full_name"],
                phone=d["phone"],
                role=d["role"],
                area=d["area"],
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _link_page(request, person, new=True)
    return render(request, "accounts/person_new.html", {"form": form})


@login_required
@require_POST
def person_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    _districts_or_404(request)
    person = person_get_for_manager(request.user, pk)
    try:
        person = user_password_reset(actor=request.user, user=person)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("accounts:people")
    return _link_page(request, person, new=False)


@login_required
@require_POST
def person_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    _districts_or_404(request)
    person = person_get_for_manager(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        person = user_set_active(actor=request.user, user=person, active=active)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if active:
            messages.success(request, _("%(person)s can sign in again.") % {"person": person})
        else:
            messages.success(
                request,
                _("%(person)s is deactivated: they can no longer sign in.") % {"person": person},
            )
    return redirect("accounts:people")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link of an account created or reset by district staff: the person sets
    their password, through the audited service. The link works once (the token is made from
    the password hash), and expires after PASSWORD_RESET_TIMEOUT."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("login")
    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, *args, **kwargs):
        # Django's view answers an unknown link itself, whatever the method; only GET and POST
        # are this page's.
        if self.request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(self.request, *args, **kwargs)
        return super().dispatch(*args, **kwargs)

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A deactivated account's link leads nowhere (as one that does not exist).
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        try:
            user_password_set_by_link(user=self.user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password2", exc)
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return redirect(self.success_url)


@login_required
@require_POST
def role_grant_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    form = RoleGrantForm(request.POST, districts=districts)
    if form.is_valid():
        d = form.cleaned_data
        try:
            assignment = role_assignment_grant(
                actor=request.user, user=d["user"], role=d["role"], area=d["area"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s of %(area)s.")
                % {
                    "person": assignment.user,
                    "role": assignment.get_role_display(),
                    "area": assignment.area,
                },
            )
            return redirect("accounts:people")
    return _render_people(request, districts, form)


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    districts = _districts_or_404(request)
    assignment = (
        RoleAssignment.objects.filter(pk=pk, area_id__in=district_area_ids(districts))
        .select_related("user", "area")
        .first()
    )
    if assignment is None:
        raise Http404
    try:
        role_assignment_revoke(actor=request.user, assignment=assignment)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(person)s is no longer %(role)s of %(area)s.")
            % {
                "person": assignment.user,
                "role": assignment.get_role_display(),
                "area": assignment.area,
            },
        )
    return redirect("accounts:people")


@login_required
@require_POST
def reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    districts = _districts_or_404(request)
    user = User.objects.filter(
        pk=pk, role_assignments__area_id__in=district_area_ids(districts)
    ).first()
    if user is None:
        raise Http404
    allowed = request.POST.get("allowed") == "1"
    try:
        user_reveal_set(actor=request.user, user=user, allowed=allowed)
    except PermissionDenied as exc:
        raise Http404 from exc
    if allowed:
        messages.success(
            request, _("%(person)s may now reveal sensitive values.") % {"person": user}
        )
    else:
        messages.success(
            request, _("%(person)s may no longer reveal sensitive values.") % {"person": user}
        )
    return redirect("accounts:people")
