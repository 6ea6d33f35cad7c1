"""The monthly statistical report (月报) of a district or a 街镇: every indicator of the
dashboard for the month beside the month before, with the change, the unit and how it is
computed, and the areas below — as the civil-affairs bureau files it, in a spreadsheet and a PDF
(docs/domain.md §11.3)."""

import datetime as dt
import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from weibao.areas.models import Area
from weibao.core.dates import add_months
from weibao.core.pdf import CJK_SANS, html_to_pdf
from weibao.core.xlsx import safe_text
from weibao.dashboards.board import BelowRow, area_link, below_rows, board_sections
from weibao.dashboards.selectors import figures_for

PERCENT_UNIT = "%"


@dataclass
class Line:
    section: str
    label: str
    value: float | int | None
    previous: float | int | None
    unit: str
    help: str

    @property
    def change(self) -> float | int | None:
        """This month less last month (for a rate: in percentage points)."""
        if self.value is None or self.previous is None:
            return None
        diff = self.value - self.previous
        return round(diff, 1) if isinstance(diff, float) else diff

    @property
    def change_shown(self) -> str:
        change = self.change
        if change is None:
            return "—"
        return f"{change:+.1f}" if isinstance(change, float) else f"{change:+,}"


@dataclass
class MonthlyContent:
    area: Area
    month: dt.date
    title: str
    lines: list[Line]
    below: list[BelowRow]
    frozen: bool
    made_at: dt.datetime


def report_title(area: Area, month: dt.date) -> str:
    return _("Minor protection work: monthly statistics of %(area)s, %(year)s-%(month)02d") % {
        "area": area.name, "year": month.year, "month": month.month,
    }  # fmt: skip


def monthly_content(area: Area, month: dt.date) -> MonthlyContent:
    link = area_link(month)
    figures = figures_for(area, month)
    now = board_sections(figures, link)
    before_figures = figures_for(area, add_months(month, -1))
    before = {t.key: t.value for s in board_sections(before_figures, link) for t in s.tiles}
    lines = [
        Line(section.title, t.label, t.value, before.get(t.key), t.unit, t.help)
        for section in now
        for t in section.tiles
    ]
    return MonthlyContent(
        area=area, month=month, title=report_title(area, month), lines=lines,
        below=below_rows(figures, link), frozen=figures.frozen, made_at=timezone.now(),
    )  # fmt: skip


def monthly_xlsx(content: MonthlyContent) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Monthly report")
    ws.append([safe_text(content.title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:G1")
    ws.append([
        _("Reporting area"), safe_text(content.area.name), _("Period"),
        f"{content.month:%Y-%m}", _("Made at"),
        timezone.localtime(content.made_at).strftime("%Y-%m-%d %H:%M"),
    ])  # fmt: skip
    ws.append([])
    header = [_("Section"), _("Indicator"), _("This month"), _("Last month"),
              pgettext("month on month", "Change"), _("Unit"), _("How it is computed")]  # fmt: skip
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for line in content.lines:
        ws.append([
            safe_text(line.section), safe_text(line.label), line.value, line.previous,
            line.change, safe_text(line.unit), safe_text(line.help),
        ])  # fmt: skip
    if content.below:
        ws.append([])
        ws.append([_("Areas below")])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append([_("Area"), _("Children on the register"), _("Visits on time (%)"),
                   _("Overdue now"), _("Open cases"), _("Reports received")])  # fmt: skip
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in content.below:
            ws.append([safe_text(row.area.name), row.children, row.on_time, row.overdue,
                       row.open_cases, row.reports])  # fmt: skip
    for column, width in zip("ABCDEFG", (14, 30, 12, 12, 10, 8, 60), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=5):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C5"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def monthly_pdf(content: MonthlyContent) -> bytes:
    html = render_to_string("dashboards/monthly_pdf.html", {"c": content, "font": CJK_SANS})
    return html_to_pdf(html)
