from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The district's own administration of its area tree (docs/domain.md §1.16): above the
    transfers app, whose move of a child's rows it reuses when a 居民区 is merged or closed,
    and above accounts, whose roles on the area it moves or removes."""

    name = "weibao.administration"
    label = "administration"
    verbose_name = _("Area management")
