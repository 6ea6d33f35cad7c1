from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "weibao.partners"
    label = "partners"
    verbose_name = _("Partners and referrals")

    def ready(self) -> None:
        from weibao.cases import hooks as cases_hooks
        from weibao.cases import timeline
        from weibao.partners.timeline import referral_family

        timeline.timeline_families.register(referral_family, order=20)
        cases_hooks.case_page_panels.register(lambda: "partners/_case_referrals.html", order=20)
