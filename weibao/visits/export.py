"""The month's visit ledger (走访台账) of a 街镇 as an xlsx workbook.

The ledger is a fixed-form Chinese document handed to the civil-affairs bureau, so its headers
and answer words are the official Chinese wording in every UI language (like the legal labels
in docs/domain.md §5.2). It carries no ID numbers, addresses or phone numbers."""

from collections.abc import Iterable
from typing import Any

from weibao.core.xlsx import file_name_part, ledger_workbook
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
    ("父母或照护人未每周联系", 10),  # Art. 23; "是" is the breach, as in the three before
    ("政策宣传", 8),
    ("监护指导", 8),
    ("发现的问题", 30),
    ("下一步", 30),
    ("走访人", 10),
]
KIND_LABELS = {"home": "入户", "phone": "电话", "school": "到校", "other": "其他"}
ANSWER_LABELS = {"yes": "是", "no": "否", "na": "不适用", "": ""}


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
        ANSWER_LABELS.get(visit.no_weekly_contact, visit.no_weekly_contact),
        _yes_no(visit.policy_publicity),
        _yes_no(visit.guardianship_guidance),
        visit.findings,
        visit.next_steps,
        str(visit.author),
    ]


def visit_ledger_workbook(visits: Iterable[Visit], *, title: str) -> tuple[bytes, int]:
    """The workbook's bytes and the number of visits in it."""
    count = 0

    def rows():
        nonlocal count
        for visit in visits:
            count += 1
            yield ledger_row(visit)

    data = ledger_workbook(
        sheet="走访台账", title=title, headers=HEADERS, rows=rows(), date_column=3
    )
    return data, count


def ledger_filename(subdistrict_name: str, year: int, month: int) -> str:
    return f"走访台账-{file_name_part(subdistrict_name, 'ledger')}-{year:04d}-{month:02d}.xlsx"


def ledger_title(subdistrict_name: str, year: int, month: int) -> str:
    return f"{subdistrict_name} {year}年{month}月 走访台账"
