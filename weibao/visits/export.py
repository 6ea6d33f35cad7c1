"""The month's visit ledger (走访台账) of a 街镇 as an xlsx workbook.

The ledger is a fixed-form Chinese document handed to the civil-affairs bureau, so its headers
and answer words are the official Chinese wording in every UI language (like the legal labels
in domain.md). It carries no ID numbers, addresses or phone numbers."""

import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from weibao.core.xlsx import safe_text
from weibao.visits.models import Visit

HEADERS = [
    ("居民区", 14),
    ("儿童姓名", 10),
    ("走访日期", 12),
    ("走访方式", 8),
    ("见到的人", 14),
    ("心理情绪", 24),
    ("学习情况", 24),
    ("家庭经济", 24),
    ("监护情况", 24),
    ("8岁以下儿童无人照料", 10),  # 未保法 Art. 21
    ("16岁以下儿童脱离监护单独居住", 10),  # Art. 21
    ("外出务工未委托适当照护人", 10),  # Art. 22
    ("父母或照护人每周联系", 10),  # Art. 23
    ("政策宣传", 8),
    ("监护指导", 8),
    ("发现的问题", 30),
    ("下一步", 30),
    ("走访人", 10),
]
KIND_LABELS = {"home": "入户", "phone": "电话", "school": "到校", "other": "其他"}
ANSWER_LABELS = {"yes": "是", "no": "否", "na": "不适用", "": ""}


def _cell(value: Any) -> Any:
    return safe_text(value) if isinstance(value, str) else value


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def ledger_row(visit: Visit) -> list[Any]:
    return [
        visit.community.name,
        visit.child.name,
        visit.visit_date,
        KIND_LABELS.get(visit.kind, visit.kind),
        visit.met_with,
        visit.psychology,
        visit.study,
        visit.family_economy,
        visit.guardianship,
        ANSWER_LABELS.get(visit.under8_unattended, visit.under8_unattended),
        ANSWER_LABELS.get(visit.under16_alone, visit.under16_alone),
        ANSWER_LABELS.get(visit.away_without_carer, visit.away_without_carer),
        ANSWER_LABELS.get(visit.weekly_contact, visit.weekly_contact),
        _yes_no(visit.policy_publicity),
        _yes_no(visit.guardianship_guidance),
        visit.findings,
        visit.next_steps,
        str(visit.author),
    ]


def ledger_workbook(visits: Iterable[Visit], *, title: str) -> tuple[bytes, int]:
    """The workbook's bytes and the number of visits in it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "走访台账"
    wb.properties.title = safe_text(title)
    ws.append([name for name, _ in HEADERS])
    for index, (_, width) in enumerate(HEADERS, start=1):
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    count = 0
    for visit in visits:
        ws.append([_cell(v) for v in ledger_row(visit)])
        ws.cell(row=ws.max_row, column=3).number_format = "yyyy-mm-dd"
        count += 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "C2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def ledger_filename(subdistrict_name: str, year: int, month: int) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", subdistrict_name) or "ledger"
    return f"走访台账-{name}-{year:04d}-{month:02d}.xlsx"


def ledger_title(subdistrict_name: str, year: int, month: int) -> str:
    return f"{subdistrict_name} {year}年{month}月 走访台账"
