from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontConfig(AppConfig):
    """The front door: the home page, sign-in, error pages, the URL map and `weibao serve`."""

    name = "weibao.front"
    label = "front"
    verbose_name = _("Front")
