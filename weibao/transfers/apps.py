from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """A child who moves to another 居民区: the transfer and its handover (docs/domain.md
    §3.12). Above every app whose rows follow the child, so that it can call their services."""

    name = "weibao.transfers"
    label = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        from weibao.areas.hooks import area_close_guards
        from weibao.children import hooks as children_hooks
        from weibao.transfers.blockers import direct_move_refusal
        from weibao.transfers.models import Transfer
        from weibao.transfers.services import area_transfers_guard, transfers_anonymise_child
        from weibao.transfers.views import child_transfer_panel

        area_close_guards.register(area_transfers_guard, order=50)
        children_hooks.community_change_guards.register(direct_move_refusal)
        children_hooks.child_page_panels.register(child_transfer_panel, order=5)
        children_hooks.child_anonymise_parts.register(transfers_anonymise_child, order=70)
        children_hooks.history_models.register(lambda: {"transfers.transfer": Transfer})
