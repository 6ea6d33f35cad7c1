"""The pages of the accounts app: one's own password, and the district's people and roles."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.forms import RoleGrantForm
from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import (
    district_area_ids,
    districts_managed_by,
    people_of_districts,
    users_who_may_reveal,
)
from weibao.accounts.services import (
    role_assignment_grant,
    role_assignment_revoke,
    user_password_change,
    user_reveal_set,
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
    assignments = people_of_districts(districts)
    revealers = users_who_may_reveal({ra.user_id for ra in assignments})
    people = [
        (user, list(rows), user.pk in revealers)
        for user, rows in groupby(assignments, key=lambda ra: ra.user)
    ]
    return render(
        request,
        "accounts/people.html",
        {"people": people, "form": form, "districts": districts},
    )


@login_required
def people_view(request: HttpRequest) -> HttpResponse:
    districts = _districts_or_404(request)
    return _render_people(request, districts, RoleGrantForm(districts=districts))


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
