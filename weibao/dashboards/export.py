"""The dashboard's figures as a spreadsheet: a title row naming the area and the period, then
each section's indicators (value, unit, how it is computed) and each chart as a table; every
text cell is made formula-safe (core.xlsx.safe_text)."""

import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from weibao.areas.models import Area
from weibao.core.xlsx import safe_text
from weibao.dashboards.board import BelowRow, Section


def _text(value):
    return safe_text(value) if isinstance(value, str) else value


def board_workbook(*, area: Area, month: dt.date, sections: list[Section],
                   below: list[BelowRow], title: str) -> bytes:  # fmt: skip
    wb = Workbook()
    ws = wb.active
    ws.title = _("Figures")
    bold = Font(bold=True)
    ws.append([_text(title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Area"), _text(area.name), _("Period"), f"{month:%Y-%m}"])
    ws.append([])
    for section in sections:
        ws.append([_text(section.title)])
        ws.cell(row=ws.max_row, column=1).font = bold
        ws.append([_("Indicator"), _("Value"), _("Unit"), _("How it is computed")])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for tile in section.tiles:
            ws.append([_text(tile.label), tile.value, _text(tile.unit), _text(tile.help)])
        for chart in section.charts:
            ws.append([])
            ws.append([_text(chart.title), "", _text(chart.unit), _text(chart.help)])
            ws.cell(row=ws.max_row, column=1).font = bold
            ws.append(["", *[_text(s["name"]) for s in chart.series]])
            for row in chart.rows():
                ws.append([_text(row[0]), *row[1:]])
        ws.append([])
    if below:
        ws.append([_("Areas below")])
        ws.cell(row=ws.max_row, column=1).font = bold
        ws.append([_("Area"), _("Children on the register"), _("Visits on time (%)"),
                   _("Overdue now"), _("Open cases"), _("Reports received")])  # fmt: skip
        for row in below:
            ws.append([_text(row.area.name), row.children, row.on_time, row.overdue,
                       row.open_cases, row.reports])  # fmt: skip
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["D"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
