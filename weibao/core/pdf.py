"""HTML to PDF with WeasyPrint, offline: Chinese set in Debian's Noto CJK fonts (fonts-noto-cjk,
found through fontconfig), and no resource fetched from anywhere — a page that names a URL gets
nothing for it (the app never loads anything from outside, docs/security.md)."""

from django.utils.translation import gettext as _

try:
    import weasyprint
except (ImportError, OSError):  # Pango missing: the pages say so instead of failing to start
    weasyprint = None

# The families every PDF's stylesheet names; fonts-noto-cjk installs both.
CJK_SANS = "Noto Sans CJK SC"
CJK_SERIF = "Noto Serif CJK SC"


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (Pango) are missing: the page says so in words."""


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"no resource is fetched while making a PDF: {url[:80]}")


def html_to_pdf(html: str) -> bytes:
    if weasyprint is None:
        raise PdfUnavailable(
            _("PDF files cannot be made on this server: WeasyPrint or Pango is missing.")
        )
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
