from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """The children's inspection teams (儿童考察团) of each 居民区: members, patrols, findings, and
    each finding through the 居民区's 四位一体 meeting to resolved (docs/domain.md §8.2)."""

    name = "weibao.inspections"
    label = "inspections"
    verbose_name = _("Inspection teams")
