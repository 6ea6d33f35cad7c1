"""The list of mandatory reports as a streamed xlsx: the list page's scope (reports_visible_to,
with the restricted cases' reports hidden as there) and filters, one row per report. The
reporter's identity is in it only for whom the law lets see it (selectors.can_see_reporter,
the supervisor and above of the report's area); others read "—"."""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import export_area
from weibao.core.xlsx import stream_workbook, xlsx_file_response
from weibao.reports import services
from weibao.reports.choices import Channel, ReporterType
from weibao.reports.models import Report
from weibao.reports.selectors import can_see_reporter, report_list, situation_labels

CHUNK = 2000
HIDDEN = "—"


def report_export_headers() -> list[tuple[str, int]]:
    return [
        (_("reference number"), 16),
        (_("received"), 17),
        (_("channel"), 10),
        (_("state"), 10),
        (_("sub-district"), 14),
        (_("residential area"), 16),
        (_("situations"), 36),
        (_("child"), 12),
        (_("reporter type"), 14),
        (_("reporter's name"), 12),
        (_("reporter's organisation"), 18),
    ]


def _labels(choices) -> dict[str, str]:
    # Each choice's words looked up once per export, not once per row.
    return {value: str(label) for value, label in choices}


def report_export_rows(user, reports: QuerySet[Report]) -> Iterator[list[Any]]:
    """Rows read in chunks with the areas and the child joined and the situations fetched per
    chunk: the queries do not grow with the rows. The reporter's rule is read from the user's
    cached roles, not asked of the database per row."""
    channels = _labels(Channel.choices)
    states = _labels(Report.State.choices)
    reporter_types = _labels(ReporterType.choices)
    for report in reports.iterator(chunk_size=CHUNK):
        reporter = can_see_reporter(user, report)
        child = report.child.name if report.child else report.child_name
        yield [
            report.reference,
            # A spreadsheet has no time zones: the local time, as the page shows it.
            timezone.localtime(report.received_at).replace(tzinfo=None),
            channels.get(report.channel, report.channel),
            states.get(report.state, report.state),
            report.subdistrict.name if report.subdistrict else report.district.name,
            report.community.name if report.community else "",
            "；".join(situation_labels(report)),
            child,
            reporter_types.get(report.reporter_type, report.reporter_type),
            (report.reporter_name or "") if reporter else HIDDEN,
            (report.reporter_org or "") if reporter else HIDDEN,
        ]


def report_export_response(user, *, queue: bool, state: str, channel: str) -> FileResponse:
    """The export the page and the API hand out (the same scope and filters)."""
    handle, count = stream_workbook(
        sheet=_("Mandatory reports"),
        headers=report_export_headers(),
        rows=report_export_rows(user, report_list(user, queue=queue, state=state)),
    )
    services.reports_exported(
        actor=user,
        area=export_area(user),
        rows=count,
        filters={"queue": queue, "state": state or None},
        channel=channel,
    )
    today = timezone.localdate()
    return xlsx_file_response(
        handle, filename=f"强制报告-{today:%Y%m%d}.xlsx", fallback=f"reports-{today:%Y%m%d}.xlsx"
    )
