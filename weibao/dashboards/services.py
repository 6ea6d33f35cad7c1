"""Writes of the dashboards: the figures of a district's month, rewritten while the month runs
and frozen once it is past (docs/domain.md §11.1)."""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from weibao.areas.models import Area
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_job
from weibao.core.dates import add_months
from weibao.dashboards.compute import district_figures
from weibao.dashboards.models import Figure, FigureMonth


def _audit_head() -> int:
    return AuditEvent.objects.aggregate(n=Max("seq"))["n"] or 0


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
        if interval is not None and now is not None:
            recent = FigureMonth.objects.filter(
                district=district, month=this_month, computed_at__gt=now - interval
            )
            if recent.exists():
                continue
        if figures_refresh(district=district, month=this_month, today=today):
            counted += 1
    return {"figures_counted": counted, "figures_frozen": frozen}


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
