from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafekeepingConfig(AppConfig):
    name = "weibao.safekeeping"
    label = "safekeeping"
    verbose_name = _("Safekeeping")

    def ready(self) -> None:
        from weibao.safekeeping.chaincheck import audit_chain_check
        from weibao.visits.hooks import daily_checks

        daily_checks.register(audit_chain_check)
