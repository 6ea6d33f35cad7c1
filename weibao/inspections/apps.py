from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """The children's inspection teams (儿童考察团) of each 居民区: members, patrols, findings, and
    each finding through the 居民区's 四位一体 meeting to resolved (docs/domain.md §8.2)."""

    name = "weibao.inspections"
    label = "inspections"
    verbose_name = _("Inspection teams")

    def ready(self) -> None:
        from weibao.children.hooks import (
            HistoryAction,
            child_anonymise_parts,
            history_actions,
            history_models,
        )
        from weibao.inspections.models import Member
        from weibao.inspections.panels import wall_panel
        from weibao.inspections.services import members_anonymise_child
        from weibao.stations.hooks import wall_panels

        wall_panels.register(wall_panel, order=30)
        child_anonymise_parts.register(members_anonymise_child, order=80)
        history_models.register(lambda: {"inspections.member": Member})
        history_actions.register(
            lambda: {
                "inspections.member_add": HistoryAction(_("Joined the inspection team")),
                "inspections.member_leave": HistoryAction(_("Left the inspection team")),
            }
        )
