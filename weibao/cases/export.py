"""The list of cases as a streamed xlsx: the list page's scope (cases_visible_to: a director
kept off a restricted case does not get it) and filters, one row per case, no free text."""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import export_area
from weibao.areas.models import Area
from weibao.cases import services
from weibao.cases.choices import RiskLevel, Stage
from weibao.cases.models import Case
from weibao.cases.selectors import CaseListFilters, case_list
from weibao.core.xlsx import stream_workbook, xlsx_file_response

CHUNK = 2000


def case_export_headers() -> list[tuple[str, int]]:
    return [
        (_("reference"), 14),
        (_("child"), 12),
        (_("sub-district"), 14),
        (_("residential area"), 16),
        (_("stage"), 10),
        (_("risk level"), 10),
        (_("case owner"), 12),
        (_("opened"), 12),
        (_("closed"), 12),
    ]


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def case_export_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """Rows read in chunks with the child, areas and owner joined: the queries do not grow with
    the rows."""
    stages = {value: str(label) for value, label in Stage.choices}
    risks = {value: str(label) for value, label in RiskLevel.choices}
    for case in cases.iterator(chunk_size=CHUNK):
        yield [
            case.reference,
            case.child.name,
            case.subdistrict.name,
            case.community.name,
            stages.get(case.stage, case.stage),
            risks.get(case.risk_level, case.risk_level),
            str(case.owner),
            _local_date(case.opened_at),
            _local_date(case.closed_at),
        ]


def case_export_response(
    user, filters: CaseListFilters, channel: str, cases: QuerySet[Case] | None = None
) -> FileResponse:
    """The export the page and the API hand out (the same scope and filters); the API passes
    the list it filtered with its own parameters."""
    if cases is None:
        cases = case_list(user, filters)
    handle, count = stream_workbook(
        sheet=_("Cases"), headers=case_export_headers(), rows=case_export_rows(cases)
    )
    area = Area.objects.filter(pk=filters.community).first() if filters.community else None
    services.cases_exported(
        actor=user,
        area=export_area(user, area),
        rows=count,
        filters={
            "stage": filters.stage or None,
            "risk_level": filters.risk_level or None,
            "community": filters.community,
            "mine": filters.mine,
        },
        channel=channel,
    )
    today = timezone.localdate()
    return xlsx_file_response(
        handle, filename=f"个案-{today:%Y%m%d}.xlsx", fallback=f"cases-{today:%Y%m%d}.xlsx"
    )
