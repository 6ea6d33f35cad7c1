"""What the apps above partners (referrals, the service ledger) show on the partners' pages,
registered in their AppConfig.ready()."""

from weibao.core.hooks import Hook

partner_page_panels = Hook(
    "partner_page_panels",
    "f(user, partner) -> Panel: a section of a partner's page (the partner's referrals and "
    "services the user may see), in hook order.",
)
partner_list_links = Hook(
    "partner_list_links",
    "f() -> (label, url): a link above the list of partners (all referrals).",
)
