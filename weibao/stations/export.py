"""The district's coverage as an xlsx workbook: the grid of 街镇 × items of the standard in
force, and the figure month by month as it was kept. A document for the civil-affairs bureau:
its headers and states are in Chinese whatever the UI language (as the ledgers'); every text
cell is neutralised against spreadsheet formulas (core.xlsx.safe_text)."""

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from weibao.core.xlsx import file_name_part, safe_text
from weibao.stations.choices import ItemState, StationStatus
from weibao.stations.evidence import Coverage
from weibao.stations.models import CoverageSnapshot

STATE_WORDS = {
    ItemState.PASSED: "已通过",
    ItemState.SUBMITTED: "已提交待审核",
    ItemState.NEEDS_WORK: "需完善",
    ItemState.MISSING: "未提交",
    ItemState.LAPSED: "已失效",
}
STATUS_WORDS = {
    StationStatus.PLANNED: "规划中",
    StationStatus.BUILDING: "建设中",
    StationStatus.OPERATING: "运行中",
    StationStatus.SUSPENDED: "暂停",
}


def _cell(value):
    return safe_text(value) if isinstance(value, str) else value


def _sheet(ws, headers: list[tuple[str, int]], rows: Iterable[list]) -> None:
    ws.append([name for name, _width in headers])
    for index, (_name, width) in enumerate(headers, start=1):
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        ws.append([_cell(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"


def coverage_workbook(coverage: Coverage, snapshots: Iterable[CoverageSnapshot]) -> bytes:
    wb = Workbook()
    grid = wb.active
    grid.title = "覆盖情况"
    wb.properties.title = safe_text(f"{coverage.district.name}未保工作站覆盖情况")
    headers = [("街镇", 14), ("工作站", 24), ("状态", 10)]
    headers += [(item.wording + ("" if item.required else "（选）"), 14) for item in coverage.items]
    headers += [("是否达标", 10)]
    rows = []
    for row in coverage.rows:
        line = [row.subdistrict.name]
        if row.station is None:
            line += ["—", "未建"] + ["未提交"] * len(coverage.items)
        else:
            line += [row.station.name, STATUS_WORDS.get(row.station.status, row.station.status)]
            line += [STATE_WORDS[cell.state] for cell in row.standing.cells]
        line.append("达标" if row.meets else "未达标")
        rows.append(line)
    _sheet(grid, headers, rows)
    percent = "—" if coverage.percent is None else f"{coverage.percent}%"
    grid.append([])
    grid.append(
        [
            "覆盖率",
            f"{coverage.meeting} / {coverage.total} = {percent}",
            f"截至 {coverage.on.isoformat()}",
            safe_text(str(coverage.standard or "")),
        ]
    )
    for cell in grid[grid.max_row]:
        cell.font = Font(bold=True)
    history = wb.create_sheet("按月")
    _sheet(
        history,
        [("月份", 10), ("达标街镇", 10), ("街镇总数", 10), ("覆盖率", 10), ("测算日期", 12)],
        [
            [
                f"{s.month:%Y-%m}",
                s.meeting,
                s.subdistricts,
                "—" if s.percent is None else f"{s.percent}%",
                s.measured_on.isoformat(),
            ]
            for s in snapshots
        ],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def coverage_filename(district_name: str, on) -> str:
    return f"{file_name_part(district_name, 'district')}未保工作站覆盖情况{on:%Y%m%d}.xlsx"
