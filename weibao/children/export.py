"""The list of children as a streamed xlsx: the list page's filters and scope, its masking (the
ID number masked, no address, no phone), one row per child."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import export_area
from weibao.areas.models import Area
from weibao.children import services
from weibao.children.categories import Category
from weibao.children.choices import AGED_OUT_LABEL, Sex, Status
from weibao.children.models import Child, adult_cutoff
from weibao.children.selectors import ChildFilters, child_list
from weibao.core.xlsx import stream_workbook, xlsx_file_response

CHUNK = 2000
EXPORT_FIELDS = (
    "name",
    "id_number_masked",
    "sex",
    "birth_date",
    "status",
    "community__name",
    "subdistrict__name",
)


def child_export_headers() -> list[tuple[str, int]]:
    return [
        (_("name"), 12),
        (_("ID number"), 22),
        (_("sex"), 6),
        (_("birth date"), 12),
        (_("age"), 6),
        (_("sub-district"), 14),
        (_("residential area"), 16),
        (_("categories"), 28),
        (_("status"), 10),
    ]


def child_export_rows(children: QuerySet[Child]) -> Iterator[list[Any]]:
    """Rows read in chunks: the 居民区 and 街镇 joined, the categories fetched once per chunk
    (the list's prefetch), so the number of queries does not grow with the rows. Only the
    columns the sheet shows are read (no encrypted field is decrypted), and each choice's words
    are looked up once, not per row: at 100,000 rows both are most of the time."""
    today = timezone.localdate()
    cutoff = adult_cutoff(today)
    sexes = {value: str(label) for value, label in Sex.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    aged_out = str(AGED_OUT_LABEL)
    categories = {value: str(label) for value, label in Category.choices}
    rows: Iterable[Child] = (
        children.select_related("community", "subdistrict")
        .only(*EXPORT_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    for child in rows:
        status = child.status
        yield [
            child.name,
            child.id_number_masked,
            sexes.get(child.sex, child.sex),
            child.birth_date,
            child.age(today),
            child.subdistrict.name,
            child.community.name,
            "、".join(categories.get(r.category, r.category) for r in child.category_rows.all()),
            aged_out
            if status == Status.ACTIVE and child.birth_date <= cutoff
            else statuses.get(status, status),
        ]


def child_export_filename(on) -> str:
    return f"儿童名册-{on:%Y%m%d}.xlsx"


def child_export_response(user, filters: ChildFilters, channel: str) -> FileResponse:
    """The export both the page and the API hand out (the same scope, filters and masking)."""
    handle, count = stream_workbook(
        sheet=_("Children"),
        headers=child_export_headers(),
        rows=child_export_rows(child_list(user, filters)),
    )
    area = None
    if filters.community:
        area = Area.objects.filter(pk=filters.community).first()
    services.children_exported(
        actor=user,
        area=export_area(user, area),
        rows=count,
        filters=filters,
        channel=channel,
    )
    today = timezone.localdate()
    return xlsx_file_response(
        handle, filename=child_export_filename(today), fallback=f"children-{today:%Y%m%d}.xlsx"
    )
