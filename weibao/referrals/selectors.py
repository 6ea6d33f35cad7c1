"""Reads for referrals. ONE scope function: a user sees the referrals of the cases they see."""

from django.db.models import QuerySet

from weibao.cases.selectors import cases_visible_to
from weibao.core.hooks import Panel
from weibao.core.scope import get_or_404
from weibao.referrals.models import Referral


def referrals_visible_to(user) -> QuerySet[Referral]:
    return Referral.objects.filter(case__in=cases_visible_to(user).values("pk"))


def referral_get_for_user(user, pk) -> Referral:
    return get_or_404(
        referrals_visible_to(user).select_related("case", "case__child", "partner"), pk
    )


def partner_page_referrals(user, partner) -> Panel:
    """The partner's referrals that the user may see, for the partner's page."""
    referrals = (
        referrals_visible_to(user)
        .filter(partner=partner)
        .select_related("case", "case__child")
        .order_by("-created_at", "-pk")
    )
    return Panel("referrals/_partner_panel.html", {"referrals": referrals[:100]})
