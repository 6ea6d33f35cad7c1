"""Writes of the dashboards: the figures of a district's month, rewritten while the month runs
and frozen once it is past (docs/domain.md §11.1)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import Area
from weibao.audit.chain import heads_of
from weibao.audit.models import ChainHead
from weibao.audit.services import audit_job, audit_record
from weibao.core.dates import add_months
from weibao.core.pdf import PdfUnavailable
from weibao.dashboards.board import EARLIEST_MONTH
from weibao.dashboards.compute import district_figures
from weibao.dashboards.models import Figure, FigureMonth, MonthlyReport
from weibao.dashboards.monthly import monthly_content, monthly_pdf, monthly_xlsx


def _audit_head() -> int:
    """A number that grows with every audit row written anywhere: the sum of the audit chains'
    heads (one per district and the site's, audit.chain)."""
    return heads_of(ChainHead.Log.AUDIT).aggregate(n=Sum("seq"))["n"] or 0


@transaction.atomic
def figures_refresh(
    *, district: Area, month: dt.date, today: dt.date, freeze: bool = False, force: bool = False
) -> bool:
    """Count `district`'s `month` again and replace its figures. A frozen month is never
    counted again; a running month whose audit log has not moved since the last count is
    skipped unless `force`. Answers whether the figures were rewritten."""
    state = FigureMonth.objects.select_for_update().filter(district=district, month=month).first()
    if state is not None and state.frozen:
        return False
    head = _audit_head()
    if state is not None and not force and not freeze and state.audit_seq == head:
        return False
    totals = district_figures(district, month, today)
    areas = (
        Area.objects.filter(pk=district.pk)
        | Area.objects.filter(parent=district)
        | (Area.objects.filter(parent__parent=district))
    )
    Figure.objects.filter(area__in=areas, month=month).delete()
    Figure.objects.bulk_create(
        [Figure(area_id=a, month=month, key=k, dim=d, value=v) for (a, k, d), v in totals.items()],
        batch_size=1000,
    )
    FigureMonth.objects.update_or_create(
        district=district,
        month=month,
        defaults={"computed_at": timezone.now(), "audit_seq": head, "frozen": freeze},
    )
    if freeze:
        audit_job(
            action="figures_frozen",
            run=f"{district.pk}:{month:%Y-%m}",
            changes={"figures": len(totals)},
        )
    return True


def figures_keep(
    *, today: dt.date, now: dt.datetime | None = None, interval: dt.timedelta | None = None
) -> dict[str, int]:
    """The scheduled keeping of every open district's figures: last month counted once more and
    frozen (the first run of a new month), the running month counted again if anything changed
    and it was last counted more than `interval` ago. Each district's month in its own
    transaction."""
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    counted = frozen = 0
    districts = Area.objects.filter(level=Area.Level.DISTRICT, closed_at__isnull=True)
    for district in districts:
        if figures_refresh(district=district, month=last_month, today=today, freeze=True):
            frozen += 1
            # The month's reports, from its frozen figures: the district's and each 街镇's.
            for area in [district, *district.children.filter(closed_at__isnull=True)]:
                monthly_report_make(actor=None, area=area, month=last_month, today=today)
        if interval is not None and now is not None:
            recent = FigureMonth.objects.filter(
                district=district, month=this_month, computed_at__gt=now - interval
            )
            if recent.exists():
                continue
        if figures_refresh(district=district, month=this_month, today=today):
            counted += 1
    return {"figures_counted": counted, "figures_frozen": frozen}


REPORT_LEVELS = (Area.Level.DISTRICT, Area.Level.SUBDISTRICT)


@transaction.atomic
def monthly_report_make(*, actor, area: Area, month: dt.date, today: dt.date) -> MonthlyReport:
    """Make (or make again) the monthly report of a district or a 街镇 for a month up to this
    one, from its figures (docs/domain.md §11.3). The caller has checked that `actor` sees the
    area's dashboard; the scheduled job makes them with no actor."""
    if area.level not in REPORT_LEVELS:
        raise ValidationError({"area": _("Monthly reports are made for a district or a 街镇.")})
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise ValidationError({"month": _("Figures exist only up to this month.")})
    if month < EARLIEST_MONTH:
        raise ValidationError({"month": _("Figures exist only from 2000 on.")})
    content = monthly_content(area, month)
    report = MonthlyReport.objects.select_for_update().filter(area=area, month=month).first()
    created = report is None
    if created:
        report = MonthlyReport(area=area, month=month)
    else:
        report.xlsx.delete(save=False)
        if report.pdf:
            report.pdf.delete(save=False)
    report.made_at, report.made_by, report.frozen = content.made_at, actor, content.frozen
    stem = f"monthly-{month:%Y-%m}-{area.pk}"
    report.xlsx.save(f"{stem}.xlsx", ContentFile(monthly_xlsx(content)), save=False)
    try:
        report.pdf.save(f"{stem}.pdf", ContentFile(monthly_pdf(content)), save=False)
    except PdfUnavailable:
        report.pdf = ""
    report.save()
    audit_record(
        actor=actor, action="monthly_report_made" if created else "monthly_report_remade",
        obj=report, changes={"area": area.pk, "month": f"{month:%Y-%m}",
                             "frozen": content.frozen, "pdf": bool(report.pdf)},
    )  # fmt: skip
    return report


def figures_backfill(*, months: int, today: dt.date) -> int:
    """Count and freeze the `months` months before the running one for every open district
    whose months were never counted (a new installation, the demo). Figures that are a state
    at a moment are counted from today's records (docs/domain.md §11.1)."""
    this_month = today.replace(day=1)
    done = 0
    for district in Area.objects.filter(level=Area.Level.DISTRICT, closed_at__isnull=True):
        for back in range(months, 0, -1):
            month = add_months(this_month, -back)
            if figures_refresh(district=district, month=month, today=today, freeze=True):
                done += 1
        figures_refresh(district=district, month=this_month, today=today, force=True)
    return done
