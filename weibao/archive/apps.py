from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """One child's complete file (一人一档) as a PDF: what the reader may see, watermarked with the reader's name and time, each export access-logged."""

    name = "weibao.archive"
    label = "archive"
    verbose_name = _("Archive")
