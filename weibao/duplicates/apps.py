from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    """Possible duplicates: children registered twice (no ID number, or an ID number with a
    typing slip), matched by name (pinyin, look-alike characters), birth date and guardian
    phone, for a person to confirm or dismiss; never merged silently (docs/domain.md §10)."""

    name = "weibao.duplicates"
    label = "duplicates"
    verbose_name = _("Possible duplicates")

    def ready(self) -> None:
        from weibao.children.hooks import (
            child_anonymise_parts,
            child_identity_changed,
            child_page_panels,
            children_created,
        )
        from weibao.duplicates.services import (
            child_match_refresh,
            children_match_new,
            keys_anonymise_child,
        )
        from weibao.duplicates.views import child_duplicates_panel

        child_identity_changed.register(child_match_refresh)
        children_created.register(children_match_new)
        # First on the child's page: a possible duplicate is to be settled before more work
        # goes into either file.
        child_page_panels.register(child_duplicates_panel, order=2)
        child_anonymise_parts.register(keys_anonymise_child, order=90)
