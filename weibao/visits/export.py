"""The month's visit ledger (走访台账) of a 街镇 as an xlsx workbook.

The ledger is a fixed-form Chinese document handed to the civil-affairs bureau, so its headers
and answer words are the official Chinese wording in every UI language (like the legal labels
in docs/domain.md §5.2). It carries no ID numbers, addresses or phone numbers.

Also the list of completed visits in the user's scope, streamed (`visit_list_response`)."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import export_area
from weibao.areas.models import Area
from weibao.core.xlsx import file_name_part, ledger_workbook, stream_workbook, xlsx_file_response
from weibao.visits import services
from weibao.visits.models import Visit
from weibao.visits.selectors import VisitListFilters, visit_list

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


# --- the list of completed visits, streamed -------------------------------------------------

LIST_CHUNK = 2000


def visit_list_headers() -> list[tuple[str, int]]:
    return [
        (_("visit date"), 12),
        (_("child"), 12),
        (_("sub-district"), 14),
        (_("residential area"), 16),
        (_("type"), 8),
        (_("who was met"), 16),
        (_("concern"), 8),
        (_("visited by"), 12),
    ]


def visit_list_rows(visits: QuerySet[Visit]) -> Iterator[list[Any]]:
    """One row per visit, read in chunks with the child, 居民区, 街镇 and author joined: the
    queries do not grow with the rows. No free text, no ID number: what the list shows."""
    kinds = {value: str(label) for value, label in Visit.Kind.choices}
    concern = _("Yes")
    for visit in visits.iterator(chunk_size=LIST_CHUNK):
        yield [
            visit.visit_date,
            visit.child.name,
            visit.subdistrict.name,
            visit.community.name,
            kinds.get(visit.kind, visit.kind),
            visit.met_with,
            concern if visit.concern_marked else "",
            str(visit.author),
        ]


def visit_list_response(user, filters: VisitListFilters, channel: str) -> FileResponse:
    """The export the page and the API hand out (the same scope, filters and columns)."""
    handle, count = stream_workbook(
        sheet=_("Visits"),
        headers=visit_list_headers(),
        rows=visit_list_rows(visit_list(user, filters)),
    )
    area = Area.objects.filter(pk=filters.community).first() if filters.community else None
    services.visits_exported(
        actor=user, area=export_area(user, area), rows=count, filters=filters, channel=channel
    )
    today = timezone.localdate()
    return xlsx_file_response(
        handle, filename=f"走访记录-{today:%Y%m%d}.xlsx", fallback=f"visits-{today:%Y%m%d}.xlsx"
    )
