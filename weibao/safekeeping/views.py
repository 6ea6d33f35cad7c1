"""The district's retention period page (docs/domain.md §9.5): district staff set it, the
supervisors of the district's 街镇s read it (setting it is a 403 for them), everyone else gets
a 404."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from weibao.areas.models import Area
from weibao.children.selectors import children_visible_to
from weibao.core.views_helpers import per_district_forms, per_district_post
from weibao.safekeeping import retention
from weibao.safekeeping.forms import RetentionPolicyForm
from weibao.safekeeping.models import RETENTION_YEARS_DEFAULT


@dataclass(frozen=True)
class DistrictRow:
    district: Area
    form: RetentionPolicyForm | None  # None: read only
    years: int
    due: int
    held_back: int


def _counts(queryset, district_ids: list[int]) -> dict[int, int]:
    rows = (
        queryset.filter(district_id__in=district_ids)
        .values_list("district_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


@login_required
@require_http_methods(["GET", "POST"])
def retention_view(request: HttpRequest) -> HttpResponse:
    editable = retention.retention_policy_districts(request.user)
    readable = retention.retention_policy_readable_districts(request.user)
    if not editable and not readable:
        raise Http404
    bound_pk, bound = None, None
    if request.method == "POST":
        district, form, saved = per_district_post(
            request,
            editable,
            retention.retention_policy_for,
            RetentionPolicyForm,
            lambda district, data: retention.retention_policy_update(
                actor=request.user, district=district, years=data["years"]
            ),
            readable=readable,
        )
        if saved:
            messages.success(
                request,
                _("Retention period of %(district)s saved; it applies from the next run.")
                % {"district": district.name},
            )
            return redirect("safekeeping:retention")
        bound_pk, bound = district.pk, form
    ids = [d.pk for d in (*editable, *readable)]
    years = retention.retention_years_by_district()
    # Counted within the user's scope: a supervisor sees their 街镇s' share of the district.
    in_scope = children_visible_to(request.user)
    due = _counts(retention.files_due(periods=years) & in_scope, ids)
    waiting = _counts(retention.held_back(periods=years) & in_scope, ids)
    rows = [
        DistrictRow(
            district=district,
            form=form,
            years=years.get(district.pk, RETENTION_YEARS_DEFAULT),
            due=due.get(district.pk, 0),
            held_back=waiting.get(district.pk, 0),
        )
        for district, form in per_district_forms(
            editable, retention.retention_policy_for, RetentionPolicyForm, bound_pk, bound
        )
    ]
    rows += [
        DistrictRow(
            district=district,
            form=None,
            years=years.get(district.pk, RETENTION_YEARS_DEFAULT),
            due=due.get(district.pk, 0),
            held_back=waiting.get(district.pk, 0),
        )
        for district in readable
    ]
    return render(request, "safekeeping/retention.html", {"rows": rows})
