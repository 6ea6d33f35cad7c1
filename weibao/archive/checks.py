"""A system check (`weibao check`, run at start-up): the archive's PDF needs WeasyPrint with
Pango and the Noto CJK fonts. A warning, not an error: everything else works without them, and
the archive page says the same in Chinese."""

from django.core.checks import Warning

from weibao.core.pdf import SYSTEM_PACKAGES, cjk_fonts_present, weasyprint


def pdf_tools_check(app_configs=None, **kwargs) -> list[Warning]:
    if weasyprint is None:
        return [
            Warning(
                "WeasyPrint or Pango is missing: the child's archive cannot be printed as PDF.",
                hint=f"Install the Debian packages {SYSTEM_PACKAGES} (and WeasyPrint, pinned in "
                "requirements).",
                id="archive.W001",
            )
        ]
    if not cjk_fonts_present():
        return [
            Warning(
                "The Noto CJK fonts are missing: the child's archive cannot be printed as PDF.",
                hint="Install the Debian package fonts-noto-cjk.",
                id="archive.W002",
            )
        ]
    return []
