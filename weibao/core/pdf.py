"""HTML to PDF with WeasyPrint, offline: Chinese set in Debian's Noto CJK fonts (fonts-noto-cjk,
found through fontconfig by family name), and nothing fetched — the fetcher allows data: URLs
only, so neither a template nor a value typed into a record can make the server reach the
network or its disk. Used by the child's archive and the monthly report.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and the fonts; without them
`pdf_unavailable` says so in words and the archive's system check names the packages."""

import glob
import os
from functools import cache

from django.utils.translation import gettext as _

try:  # Pango is loaded when WeasyPrint is imported: a missing library is an OSError.
    import weasyprint
    from weasyprint.urls import URLFetcher
except (ImportError, OSError):  # pragma: no cover - depends on the machine
    weasyprint = None
    URLFetcher = None

SYSTEM_PACKAGES = "fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"
CJK_SANS = "Noto Sans CJK SC"
CJK_SERIF = "Noto Serif CJK SC"
FONT_FAMILIES = (CJK_SANS, CJK_SERIF)
# Where Debian's fonts-noto-cjk (and a local install) put the collections fontconfig reads.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"))
FONT_FILES = ("NotoSansCJK*", "NotoSerifCJK*")


class PdfUnavailable(Exception):
    """WeasyPrint, Pango or the fonts are missing: the pages say so in words."""


@cache
def cjk_fonts_present() -> bool:
    return all(
        any(glob.glob(os.path.join(d, "**", pattern), recursive=True) for d in FONT_DIRS)
        for pattern in FONT_FILES
    )


def pdf_unavailable() -> str | None:
    """Why no PDF can be made on this machine, in words for the reader; None when it can."""
    if weasyprint is None:
        return _(
            "The PDF cannot be made: WeasyPrint or the Pango library is not installed on the "
            "server. Ask the administrator to install the system packages %(packages)s."
        ) % {"packages": SYSTEM_PACKAGES}
    if not cjk_fonts_present():
        return _(
            "The PDF cannot be made: the Chinese fonts are not installed on the server. Ask "
            "the administrator to install the system package fonts-noto-cjk."
        )
    return None


def offline_url_fetcher():
    """WeasyPrint's fetcher allowed data: URLs only: no http(s), no file, no ftp."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML out as PDF, fetching nothing but data: URLs."""
    problem = pdf_unavailable()
    if problem:
        raise PdfUnavailable(problem)
    return weasyprint.HTML(
        string=html, url_fetcher=offline_url_fetcher(), base_url=None
    ).write_pdf()
