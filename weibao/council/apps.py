from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    """The children's council (儿童议事会) of each station: members with guardian consent and a
    term, meetings, decisions tracked on the suggestion board (docs/domain.md §8.1)."""

    name = "weibao.council"
    label = "council"
    verbose_name = _("Children's council")

    def ready(self) -> None:
        from weibao.children.hooks import (
            HistoryAction,
            child_anonymise_parts,
            child_page_panels,
            history_actions,
            history_models,
        )
        from weibao.council.models import CouncilMember
        from weibao.council.panels import child_council_panel
        from weibao.council.selectors import meeting_place_facts as facts
        from weibao.council.services import members_anonymise_child, members_move_area
        from weibao.stations.hooks import meeting_place_facts
        from weibao.transfers.hooks import child_rows_move

        meeting_place_facts.register(facts)
        child_page_panels.register(child_council_panel, order=40)
        child_anonymise_parts.register(members_anonymise_child, order=90)
        child_rows_move.register(members_move_area)
        history_models.register(lambda: {"council.councilmember": CouncilMember})
        history_actions.register(
            lambda: {
                "council.member_add": HistoryAction(_("Joined the children's council")),
                "council.member_update": HistoryAction(_("Council membership edited")),
                "council.members_move_area": HistoryAction(
                    _("Council membership followed the child to the new residential area"),
                    lines=False,
                ),
            }
        )
