"""The archive as a PDF: HTML (templates/archive/child_pdf.html) laid out by WeasyPrint with
Debian's Noto CJK fonts, found through fontconfig by family name. Nothing is fetched: the
template carries its stylesheet inline and the URL fetcher allows only data: URLs, so neither a
template nor a value typed into a file can make the server reach the network or its disk.

The PDF itself is made by core.pdf (offline, the fonts by family name); without WeasyPrint,
Pango or the fonts the archive says so in words (`core.pdf.pdf_unavailable`) and the system
check `archive.W001` names the packages."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from weibao.archive.selectors import ChildArchive, Revealed, child_archive
from weibao.archive.services import archive_exported
from weibao.children.models import Child
from weibao.core.pdf import FONT_FAMILIES, html_to_pdf
from weibao.core.xlsx import content_disposition


def archive_html(archive: ChildArchive) -> str:
    """The HTML fed to WeasyPrint (what the tests read: the PDF's text is this text)."""
    return render_to_string(
        "archive/child_pdf.html", {"a": archive, "font_families": FONT_FAMILIES}
    )


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
