"""{% case_referrals case as referrals %}: the referrals section of a case page."""

from django import template

from weibao.cases.models import Case

register = template.Library()


@register.simple_tag
def case_referrals(case: Case) -> list:
    return list(case.referrals.select_related("partner").order_by("-created_at", "-pk"))
