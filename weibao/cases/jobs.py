"""Scheduled checks on cases: the plan items falling due (run by the clocks job through
reports.hooks.clock_checks)."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from weibao.cases.choices import PlannedServiceStatus, Stage
from weibao.cases.models import PlannedService, PlanVersion
from weibao.notifications.models import Notification
from weibao.notifications.services import notify_each

# An item that fell due while the job could not run (a server down over a weekend) is still
# announced within this many days; older ones are for the case page's overdue marks.
CATCH_UP_DAYS = 7


def _key(item: PlannedService) -> str:
    return f"plan_item_due:{item.pk}:{item.due_on.isoformat()}"


def plan_items_due(now: dt.datetime) -> int:
    """Tell each person responsible for an unfinished item of an open case's current plan that
    it is due, once per item and due date. Returns how many were told."""
    today = timezone.localdate(now) if timezone.is_aware(now) else now.date()
    newer = PlanVersion.objects.filter(
        district_id=OuterRef("plan__district_id"),
        case=OuterRef("plan__case"),
        number__gt=OuterRef("plan__number"),
    )
    items = list(
        PlannedService.objects.filter(
            due_on__lte=today,
            due_on__gte=today - dt.timedelta(days=CATCH_UP_DAYS),
            status__in=[PlannedServiceStatus.PLANNED, PlannedServiceStatus.IN_PROGRESS],
            responsible_user__isnull=False,
        )
        .exclude(plan__case__stage=Stage.CLOSED)
        .exclude(Exists(newer))
        .select_related("plan__case__child")
    )
    told = set(
        Notification.objects.filter(key__in=[_key(i) for i in items]).values_list("key", flat=True)
    )
    batch = [
        Notification(
            recipient_id=item.responsible_user_id,
            kind=Notification.Kind.PLAN_ITEM_DUE,
            key=_key(item),
            child=item.plan.case.child,
            params={
                "child": item.plan.case.child.name,
                "case": item.plan.case.reference,
                "service": item.service_type,
                "date": item.due_on.isoformat(),
            },
            url=f"/cases/{item.plan.case_id}/",
        )
        for item in items
        if _key(item) not in told
    ]
    return notify_each(batch)
