from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "weibao.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from weibao.accounts.hooks import account_audit
        from weibao.areas.hooks import area_audit
        from weibao.audit.services import audit_record

        account_audit.register(audit_record)
        area_audit.register(audit_record)
