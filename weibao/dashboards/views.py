"""The dashboards' pages: the district's, a 街镇's and a 居民区's, each with a month picker,
drill-down to the areas below, and the same figures as a spreadsheet."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods

from weibao.areas.models import Area
from weibao.core.uploads import stored_file_response
from weibao.core.views_helpers import apply_errors, page_of, query_without_page
from weibao.core.xlsx import file_name_part, xlsx_response
from weibao.dashboards.board import area_link, below_rows, board_json, board_sections, chosen_month
from weibao.dashboards.export import board_workbook
from weibao.dashboards.selectors import (
    dashboard_area_get_for_user,
    figure_state,
    figures_for,
    home_dashboard_area,
    monthly_report_get_for_user,
    monthly_reports_visible_to,
    report_areas_for,
    trend_months,
)
from weibao.dashboards.services import monthly_report_make


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    area = home_dashboard_area(request.user)
    if area is None:
        raise Http404
    return redirect("dashboards:area", pk=area.pk)


# A page's body is kept this long at most; a new count of the month changes its key anyway.
CACHE_SECONDS = 24 * 3600


def board_parts(area: Area, month: dt.date) -> dict:
    """Everything the page shows of an area's month, built from its figures."""
    figures = figures_for(area, month)
    link = area_link(month)
    sections = board_sections(figures, link)
    return {
        "sections": sections,
        "below": below_rows(figures, link),
        "charts": board_json(sections),
    }


@login_required
@require_GET
def area_view(request: HttpRequest, pk: int) -> HttpResponse:
    area = dashboard_area_get_for_user(request.user, pk)
    month, problem = chosen_month(request.GET.get("month"), timezone.localdate())
    path = []
    parent = area.parent
    while parent is not None:
        path.insert(0, parent)
        parent = parent.parent
    visible_path = [(a, area_link(month)(a)) for a in path if _may_see(request.user, a.pk)]
    this_month = timezone.localdate().replace(day=1)
    # The figures are read and the sections rendered only when the page's cached body (keyed on
    # the area, the month, its last count and the language) is missing.
    return render(request, "dashboards/board.html", {
        "area": area, "month": month, "problem": problem, "state": figure_state(area, month),
        "board": SimpleLazyObject(lambda: board_parts(area, month)),
        "path": visible_path,
        "months": [f"{m:%Y-%m}" for m in reversed(trend_months(this_month, 24))],
        "month_value": f"{month:%Y-%m}",
        "cache_seconds": CACHE_SECONDS,
    })  # fmt: skip


def _may_see(user, pk: int) -> bool:
    try:
        dashboard_area_get_for_user(user, pk)
    except Http404:
        return False
    return True


@login_required
@require_GET
def area_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    area = dashboard_area_get_for_user(request.user, pk)
    month, _problem = chosen_month(request.GET.get("month"), timezone.localdate())
    parts = board_parts(area, month)
    sections, below = parts["sections"], parts["below"]
    title = _("Figures of %(area)s, %(month)s") % {"area": area.name, "month": f"{month:%Y-%m}"}
    data = board_workbook(area=area, month=month, sections=sections, below=below, title=title)
    name = f"{file_name_part(area.name, 'area')}-{month:%Y-%m}.xlsx"
    return xlsx_response(data, filename=name, fallback=f"figures-{month:%Y-%m}.xlsx")


# --- the monthly reports ------------------------------------------------------------------------


REPORT_PAGE_SIZE = 24


class ReportMakeForm(forms.Form):
    area = forms.TypedChoiceField(label=_l("Area"), coerce=int)
    month = forms.ChoiceField(label=_l("Month"))

    def __init__(self, *args, areas: list[Area], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.pk, a.name) for a in areas]
        months = reversed(trend_months(today.replace(day=1), 24))
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]


def _reports_page(request: HttpRequest, form: ReportMakeForm, status: int = 200) -> HttpResponse:
    reports = monthly_reports_visible_to(request.user).order_by("-month", "area__level", "area_id")
    return render(
        request, "dashboards/reports.html",
        {"form": form, "page": page_of(request, reports, REPORT_PAGE_SIZE),
         "query": query_without_page(request)}, status=status,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def reports_view(request: HttpRequest) -> HttpResponse:
    areas = report_areas_for(request.user)
    if not areas:
        raise Http404
    today = timezone.localdate()
    if request.method == "GET":
        return _reports_page(request, ReportMakeForm(areas=areas, today=today))
    form = ReportMakeForm(request.POST, areas=areas, today=today)
    if not form.is_valid():
        return _reports_page(request, form, status=400)
    area = next(a for a in areas if a.pk == form.cleaned_data["area"])
    month = dt.datetime.strptime(form.cleaned_data["month"], "%Y-%m").date()
    try:
        report = monthly_report_make(actor=request.user, area=area, month=month, today=today)
    except ValidationError as error:
        apply_errors(form, error)
        return _reports_page(request, form, status=400)
    messages.success(request, _("The monthly report of %(area)s for %(month)s is ready.") % {
        "area": area.name, "month": f"{month:%Y-%m}"})  # fmt: skip
    if not report.pdf:
        messages.warning(request, _("PDF files cannot be made on this server: WeasyPrint or "
                                    "Pango is missing."))  # fmt: skip
    return redirect("dashboards:reports")


def report_file_response(report, kind: str) -> FileResponse:
    """A report's spreadsheet or PDF as stored (a file gone from storage is a 404)."""
    stored = {"xlsx": report.xlsx, "pdf": report.pdf}.get(kind)
    if not stored:
        raise Http404
    name = f"{file_name_part(report.area.name, 'area')}-{report.month:%Y-%m}.{kind}"
    return stored_file_response(stored, filename=name, content_type=CONTENT_TYPES[kind])


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
@require_GET
def report_file_view(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    return report_file_response(monthly_report_get_for_user(request.user, pk), kind)
