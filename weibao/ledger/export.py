"""The service ledger (服务台账) of a 街镇 as an xlsx workbook.

Like the visit ledger (visits/export.py, whose helpers this reuses), it is a fixed-form Chinese
document handed to the civil-affairs bureau: headers and service names are the official
Chinese wording in every UI language. It carries no ID numbers, addresses or phone numbers;
every text cell is neutralised against spreadsheet formulas."""

from collections.abc import Iterable
from typing import Any

from weibao.core.xlsx import file_name_part, ledger_workbook
from weibao.ledger.models import ServiceRecord

HEADERS = [
    ("居民区", 14),
    ("儿童姓名", 10),
    ("个案编号", 14),
    ("服务日期", 12),
    ("服务类型", 14),
    ("服务提供方", 20),
    ("提供方类别", 10),
    ("时长（分钟）", 10),
    ("服务记录", 40),
    ("记录人", 10),
]
DATE_COLUMN = 4
MINUTES_COLUMN = 8

# The services of the closed loop in the wording of docs/domain.md §7.3.
SERVICE_LABELS = {
    "guardianship_guidance": "家庭监护指导",
    "education": "教育帮扶",
    "daily_care": "日常照护",
    "psychological": "心理疏导",
    "behaviour": "行为矫治",
    "social_integration": "社会融入",
    "legal_aid": "法律援助",
    "material": "物质帮扶",
    "temporary_care": "临时照护",
}
STAFF, PARTNER = "工作人员", "合作机构"


def ledger_row(record: ServiceRecord) -> list[Any]:
    if record.provider_partner_id:
        provider, provider_kind = record.provider_partner.name, PARTNER
    else:
        provider, provider_kind = str(record.provider_user), STAFF
    return [
        record.community.name,
        record.child.name,
        record.case.reference,
        record.delivered_on,
        SERVICE_LABELS.get(record.service_type, record.service_type),
        provider,
        provider_kind,
        record.duration_minutes,
        record.notes,
        str(record.recorded_by),
    ]


def service_ledger_workbook(records: Iterable[ServiceRecord], *, title: str) -> tuple[bytes, int]:
    """The workbook's bytes and the number of service records in it. The last row holds the
    totals (count and hours)."""
    count = minutes = 0

    def rows():
        nonlocal count, minutes
        for record in records:
            count += 1
            minutes += record.duration_minutes
            yield ledger_row(record)

    def totals() -> list[Any]:
        return ["合计", f"{count}次", "", "", "", "", "", minutes, f"共{minutes / 60:.1f}小时", ""]

    data = ledger_workbook(
        sheet="服务台账", title=title, headers=HEADERS, rows=rows(), date_column=DATE_COLUMN,
        footer=totals,
    )  # fmt: skip
    return data, count


def ledger_filename(subdistrict_name: str, year: int, month: int) -> str:
    return f"服务台账-{file_name_part(subdistrict_name, 'ledger')}-{year:04d}-{month:02d}.xlsx"


def ledger_title(subdistrict_name: str, year: int, month: int) -> str:
    return f"{subdistrict_name} {year}年{month}月 服务台账"
