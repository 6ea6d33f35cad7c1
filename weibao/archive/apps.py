from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """One child's complete file (一人一档) as a PDF: what the reader may see, watermarked with
    the reader's name and time, each export access-logged."""

    name = "weibao.archive"
    label = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        from django.core import checks

        from weibao.archive.checks import pdf_tools_check
        from weibao.archive.views import child_archive_panel
        from weibao.children.hooks import child_page_panels

        child_page_panels.register(child_archive_panel, order=50)
        checks.register(pdf_tools_check)
