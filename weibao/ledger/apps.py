from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "weibao.ledger"
    label = "ledger"
    verbose_name = _("Service ledger")

    def ready(self) -> None:
        from weibao.cases import hooks as cases_hooks
        from weibao.cases import timeline
        from weibao.children.hooks import child_anonymise_parts
        from weibao.ledger.selectors import child_panel_services, partner_page_services
        from weibao.ledger.services import (
            refuse_without_services,
            service_records_anonymise_child,
        )
        from weibao.ledger.timeline import service_family
        from weibao.partners.hooks import partner_page_panels

        timeline.timeline_families.register(service_family, order=10)
        cases_hooks.case_page_panels.register(lambda: "ledger/_case_services.html", order=10)
        cases_hooks.child_panel_parts.register(child_panel_services, order=10)
        cases_hooks.case_close_guards.register(refuse_without_services, order=10)
        child_anonymise_parts.register(service_records_anonymise_child, order=40)
        partner_page_panels.register(partner_page_services, order=20)
