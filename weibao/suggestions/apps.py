from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    """The suggestion board (e.g. 童乐天山): children's suggestions posted on a public page,
    moderated, routed to the responsible department with a deadline, answered in public; the
    child checks the answer with a code (docs/domain.md §8.4)."""

    name = "weibao.suggestions"
    label = "suggestions"
    verbose_name = _("Suggestions")
