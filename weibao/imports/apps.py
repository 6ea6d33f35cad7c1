from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Registers brought in from spreadsheets: upload, column mapping, a dry run row by row,
    and the commit through the children's services in a background job."""

    name = "weibao.imports"
    label = "imports"
    verbose_name = _("Imports")
