from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "weibao.reports"
    label = "reports"
    verbose_name = _("Mandatory reports")

    def ready(self) -> None:
        from weibao.areas.hooks import area_close_guards
        from weibao.children import hooks as children_hooks
        from weibao.reports.selectors import concern_report_panel, report_registration_source
        from weibao.reports.services import area_reports_guard, reports_anonymise_child
        from weibao.visits.hooks import concern_page_panels

        area_close_guards.register(area_reports_guard, order=30)
        children_hooks.registration_source.register(report_registration_source)
        children_hooks.child_anonymise_parts.register(reports_anonymise_child, order=20)
        concern_page_panels.register(concern_report_panel)
