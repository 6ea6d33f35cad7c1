from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    """The suggestion board (e.g. 童乐天山): children's suggestions posted on a public page,
    moderated, routed to the responsible department with a deadline, answered in public; the
    child checks the answer with a code (docs/domain.md §8.4)."""

    name = "weibao.suggestions"
    label = "suggestions"
    verbose_name = _("Suggestions")

    def ready(self) -> None:
        from weibao.stations.hooks import wall_panels
        from weibao.suggestions.jobs import suggestions_daily
        from weibao.suggestions.wall import suggestions_wall_panel
        from weibao.visits.hooks import daily_checks

        daily_checks.register(suggestions_daily)
        wall_panels.register(suggestions_wall_panel)
