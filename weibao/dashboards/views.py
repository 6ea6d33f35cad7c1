"""The dashboards' pages: the district's, a 街镇's and a 居民区's, each with a month picker,
drill-down to the areas below, and the same figures as a spreadsheet."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from weibao.core.xlsx import file_name_part, xlsx_response
from weibao.dashboards.board import area_link, below_rows, board_json, board_sections, chosen_month
from weibao.dashboards.export import board_workbook
from weibao.dashboards.selectors import (
    dashboard_area_get_for_user,
    figures_for,
    home_dashboard_area,
    trend_months,
)


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    area = home_dashboard_area(request.user)
    if area is None:
        raise Http404
    return redirect("dashboards:area", pk=area.pk)


def _board(request: HttpRequest, pk: int):
    area = dashboard_area_get_for_user(request.user, pk)
    month, problem = chosen_month(request.GET.get("month"), timezone.localdate())
    figures = figures_for(area, month)
    link = area_link(month)
    return area, month, problem, figures, board_sections(figures, link), below_rows(figures, link)


@login_required
@require_GET
def area_view(request: HttpRequest, pk: int) -> HttpResponse:
    area, month, problem, figures, sections, below = _board(request, pk)
    path = []
    parent = area.parent
    while parent is not None:
        path.insert(0, parent)
        parent = parent.parent
    visible_path = [(a, area_link(month)(a)) for a in path if _may_see(request.user, a.pk)]
    this_month = timezone.localdate().replace(day=1)
    return render(request, "dashboards/board.html", {
        "area": area, "month": month, "problem": problem, "figures": figures,
        "sections": sections, "below": below, "charts": board_json(sections),
        "path": visible_path,
        "months": list(reversed(trend_months(this_month, 24))),
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
    area, month, _problem, _figures, sections, below = _board(request, pk)
    title = _("Figures of %(area)s, %(month)s") % {"area": area.name, "month": f"{month:%Y-%m}"}
    data = board_workbook(area=area, month=month, sections=sections, below=below, title=title)
    name = f"{file_name_part(area.name, 'area')}-{month:%Y-%m}.xlsx"
    return xlsx_response(data, filename=name, fallback=f"figures-{month:%Y-%m}.xlsx")
