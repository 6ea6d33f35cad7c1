from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "weibao.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from weibao.cases.selectors import case_visible, open_case_for_child
        from weibao.cases.services import case_for_report
        from weibao.cases.views import child_cases_panel
        from weibao.children.hooks import child_page_panels
        from weibao.reports import hooks as reports_hooks

        reports_hooks.open_case_of_child.register(open_case_for_child)
        reports_hooks.case_visible.register(case_visible)
        reports_hooks.case_for_report.register(case_for_report)
        child_page_panels.register(child_cases_panel, order=10)
