from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "weibao.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from weibao.children import hooks
        from weibao.notifications.hooks import choice_labels
        from weibao.visits.models import Concern, Visit
        from weibao.visits.services import (
            left_behind_16_check,
            left_behind_16_check_many,
            visit_schedule_child,
            visit_schedule_children,
            visits_anonymise_child,
        )
        from weibao.visits.views import child_visits_panel

        hooks.child_schedule_changed.register(visit_schedule_child)
        hooks.children_created.register(visit_schedule_children)
        # The left-behind review of a child already 16 (jobs.flag_left_behind_turning_16 asks
        # about those who turn 16).
        hooks.child_schedule_changed.register(left_behind_16_check)
        hooks.children_created.register(left_behind_16_check_many)
        hooks.child_anonymise_parts.register(visits_anonymise_child, order=10)
        hooks.child_page_panels.register(child_visits_panel, order=20)
        hooks.history_models.register(lambda: {"visits.visit": Visit, "visits.concern": Concern})
        choice_labels.register(lambda: {"concern_kind": dict(Concern.Kind.choices)})
