from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "weibao.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from weibao.cases import hooks as cases_hooks
        from weibao.cases import timeline
        from weibao.children.hooks import child_anonymise_parts
        from weibao.partners.hooks import partner_list_links, partner_page_panels
        from weibao.referrals import jobs
        from weibao.referrals.selectors import partner_page_referrals
        from weibao.referrals.services import (
            referrals_anonymise_child,
            refuse_with_live_referrals,
        )
        from weibao.referrals.timeline import referral_family
        from weibao.reports.hooks import clock_checks

        timeline.timeline_families.register(referral_family, order=20)
        child_anonymise_parts.register(referrals_anonymise_child, order=50)
        cases_hooks.case_page_panels.register(lambda: "referrals/_case_referrals.html", order=20)
        cases_hooks.case_close_guards.register(refuse_with_live_referrals)
        partner_page_panels.register(partner_page_referrals, order=10)
        partner_list_links.register(
            lambda: (_("All referrals"), reverse("partners:referrals")), order=10
        )
        clock_checks.register(lambda now: {"referral_alerts": jobs.referral_alerts(now)}, order=20)
