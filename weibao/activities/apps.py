from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    """Projects and activities (项目化): projects and their brands, activities and series, sign-
    up, attendance, photos with consent, feedback, the child's passport and the counts they
    feed (docs/domain.md §8.3)."""

    name = "weibao.activities"
    label = "activities"
    verbose_name = _("Projects and activities")

    def ready(self) -> None:
        from weibao.activities.models import Signup
        from weibao.activities.services import activity_photos_anonymise_child, signups_move_area
        from weibao.activities.views import child_activities_panel, wall_activities_panel
        from weibao.children.hooks import (
            HistoryAction,
            child_anonymise_parts,
            child_page_panels,
            history_actions,
            history_models,
        )
        from weibao.stations.hooks import wall_panels
        from weibao.transfers.hooks import child_rows_move

        # After the cases (10) and visits (20) of the child's file.
        child_page_panels.register(child_activities_panel, order=30)
        wall_panels.register(wall_activities_panel, order=10)
        child_rows_move.register(signups_move_area)
        child_anonymise_parts.register(activity_photos_anonymise_child)
        history_models.register(lambda: {"activities.signup": Signup})
        history_actions.register(
            lambda: {
                "activities.signup": HistoryAction(_("Signed up for an activity")),
                "activities.signup_cancel": HistoryAction(_("Activity sign-up cancelled")),
                "activities.signup_promote": HistoryAction(
                    _("Moved from the waiting list to the activity")
                ),
                "activities.signups_move_area": HistoryAction(
                    _("Activity sign-ups followed the child to the new residential area"),
                    lines=False,
                ),
            }
        )
