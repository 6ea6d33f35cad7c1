from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "weibao.reports"
    label = "reports"
    verbose_name = _("Mandatory reports")

    def ready(self) -> None:
        from weibao.children import hooks as children_hooks
        from weibao.reports.selectors import report_registration_source

        children_hooks.registration_source.register(report_registration_source)
