from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    """Possible duplicates: children registered twice (no ID number, or an ID number with a typing slip), matched by name (pinyin, look-alike characters), birth date and guardian phone, for a person to confirm or dismiss; never merged silently (docs/domain.md)."""

    name = "weibao.duplicates"
    label = "duplicates"
    verbose_name = _("Possible duplicates")
