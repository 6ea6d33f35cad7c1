from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "weibao.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from weibao.accounts.services import area_manager, area_roles_guard
        from weibao.areas import hooks as areas_hooks

        areas_hooks.area_managers.register(area_manager)
        areas_hooks.area_close_guards.register(area_roles_guard, order=10)
