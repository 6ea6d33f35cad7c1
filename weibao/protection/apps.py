from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "weibao.protection"
    label = "protection"
    verbose_name = _("Emergency protection")

    def ready(self) -> None:
        from weibao.cases import hooks as cases_hooks
        from weibao.cases import timeline
        from weibao.children.hooks import child_anonymise_parts
        from weibao.protection import jobs
        from weibao.protection.selectors import child_panel_protection
        from weibao.protection.services import protection_records_anonymise_child
        from weibao.protection.timeline import protection_family
        from weibao.reports.hooks import clock_checks

        timeline.timeline_families.register(protection_family, order=30)
        child_anonymise_parts.register(protection_records_anonymise_child, order=60)
        cases_hooks.case_page_panels.register(lambda: "protection/_case_protection.html", order=30)
        cases_hooks.child_panel_parts.register(child_panel_protection, order=30)
        clock_checks.register(
            lambda now: {"protection_alerts": jobs.protection_alerts(now)}, order=10
        )
