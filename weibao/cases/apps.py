from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "weibao.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from weibao.areas.hooks import area_close_guards
        from weibao.cases.choices import Stage
        from weibao.cases.jobs import plan_items_due
        from weibao.cases.selectors import (
            case_visible,
            open_case_for_child,
            reports_of_hidden_cases,
        )
        from weibao.cases.services import area_cases_guard, case_for_report, cases_anonymise_child
        from weibao.cases.views import child_cases_panel
        from weibao.children.hooks import child_anonymise_parts, child_page_panels
        from weibao.notifications.hooks import choice_labels
        from weibao.partners.choices import ServiceType
        from weibao.reports import hooks as reports_hooks

        area_close_guards.register(area_cases_guard, order=40)
        reports_hooks.open_case_of_child.register(open_case_for_child)
        reports_hooks.case_visible.register(case_visible)
        reports_hooks.case_for_report.register(case_for_report)
        reports_hooks.hidden_reports.register(reports_of_hidden_cases)
        child_page_panels.register(child_cases_panel, order=10)
        child_anonymise_parts.register(cases_anonymise_child, order=30)
        reports_hooks.clock_checks.register(
            lambda now: {"plan_items_due": plan_items_due(now)}, order=30
        )
        choice_labels.register(
            lambda: {"case_stage": dict(Stage.choices), "service_type": dict(ServiceType.choices)}
        )
