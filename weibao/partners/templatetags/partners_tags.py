"""Template helpers for the case-page partials (cases/_services.html and
partners/_case_referrals.html): they are included with the case, so they fetch what hangs off
it here, in one query each."""

from django import template
from django.utils.translation import gettext as _

from weibao.cases.models import Case
from weibao.cases.service_records import can_void, hours

register = template.Library()


@register.simple_tag
def case_service_records(case: Case, user) -> dict:
    """The case's records, newest first, each with `voidable` for `user`; the count and hours
    leave out voided records, as the ledger does."""
    records = list(
        case.service_records.select_related(
            "provider_user", "provider_partner", "voided_by"
        ).order_by("-delivered_on", "-pk")
    )
    for record in records:
        record.case = case
        record.voidable = can_void(user, record)
    valid = [r for r in records if r.voided_at is None]
    return {
        "records": records,
        "count": len(valid),
        "hours": hours(sum(r.duration_minutes for r in valid)),
    }


@register.simple_tag
def case_referrals(case: Case) -> list:
    return list(case.referrals.select_related("partner").order_by("-created_at", "-pk"))


@register.filter
def minutes_label(minutes: int | None) -> str:
    """90 → "1 h 30 min"."""
    h, m = divmod(minutes or 0, 60)
    if h and m:
        return _("%(h)d h %(m)d min") % {"h": h, "m": m}
    return _("%(h)d h") % {"h": h} if h else _("%(m)d min") % {"m": m}
