"""What the apps above partners (referrals, the service ledger) show on a partner's page,
registered in their AppConfig.ready()."""

from weibao.core.hooks import Hook

partner_page_context = Hook(
    "partner_page_context",
    "f(user, partner) -> dict: the partner's referrals and services the user may see.",
)
