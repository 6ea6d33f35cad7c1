from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    """The children's council (儿童议事会) of each station: members with guardian consent and a
    term, meetings, decisions tracked on the suggestion board (docs/domain.md §8.1)."""

    name = "weibao.council"
    label = "council"
    verbose_name = _("Children's council")
