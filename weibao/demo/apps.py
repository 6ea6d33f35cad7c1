from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The synthetic demo data (`weibao demo`), built through every app's services."""

    name = "weibao.demo"
    label = "demo"
    verbose_name = _("Demo data")
