"""The archive as a PDF: HTML (templates/archive/child.html) laid out by WeasyPrint with
Debian's Noto CJK fonts, found through fontconfig by family name. Nothing is fetched: the
template carries its stylesheet inline and the URL fetcher allows only data: URLs, so neither a
template nor a value typed into a file can make the server reach the network or its disk.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and the fonts
(fonts-noto-cjk); without them the archive says so in words (`pdf_unavailable`) and the system
check `archive.W001` names the packages."""

import glob
import os
from functools import cache

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.archive.selectors import ChildArchive, Revealed, child_archive
from weibao.archive.services import archive_exported
from weibao.children.models import Child
from weibao.core.xlsx import content_disposition

try:  # Pango is loaded when WeasyPrint is imported: a missing library is an OSError.
    import weasyprint
    from weasyprint.urls import URLFetcher
except (ImportError, OSError):  # pragma: no cover - depends on the machine
    weasyprint = None
    URLFetcher = None

SYSTEM_PACKAGES = "fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"
FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")
# Where Debian's fonts-noto-cjk (and a local install) put the collections fontconfig reads.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", os.path.expanduser("~/.fonts"))
FONT_FILES = ("NotoSansCJK*", "NotoSerifCJK*")


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


def archive_html(archive: ChildArchive) -> str:
    """The HTML fed to WeasyPrint (what the tests read: the PDF's text is this text)."""
    return render_to_string("archive/child.html", {"a": archive, "font_families": FONT_FAMILIES})


def archive_url_fetcher():
    """WeasyPrint's fetcher allowed data: URLs only: no http(s), no file, no ftp."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML out as PDF, fetching nothing but data: URLs."""
    return weasyprint.HTML(
        string=html, url_fetcher=archive_url_fetcher(), base_url=None
    ).write_pdf()


def archive_filename(child: Child, on) -> str:
    return f"一人一档-{child.name}-{on:%Y%m%d}.pdf"


def archive_pdf_response(
    user, child: Child, *, revealed: Revealed, reason: str, channel: str
) -> HttpResponse:
    """The archive as `user` may see it, as a PDF download no browser or proxy keeps; the
    access-log rows written (the caller has checked that a PDF can be made)."""
    now = timezone.localtime()
    archive = child_archive(user, child, revealed=revealed, now=now)
    data = html_to_pdf(archive_html(archive))
    placements = (
        sum(1 for c in archive.cases for p in c.protections if p.placement_detail)
        if revealed.any
        else 0
    )
    archive_exported(actor=user, child=child, channel=channel, reason=reason, placements=placements)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        archive_filename(child, now), fallback=f"archive-{child.pk}-{now:%Y%m%d}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
