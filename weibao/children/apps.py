from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "weibao.children"
    label = "children"
    verbose_name = _("Children")

    def ready(self) -> None:
        from weibao.areas.hooks import area_close_guards
        from weibao.children.services import area_children_guard

        area_close_guards.register(area_children_guard, order=20)
