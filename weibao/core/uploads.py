"""Uploaded files, taken in safely: the type is read from the content (never the name or the
browser's claim), images are decoded and written anew — which drops EXIF (a phone photo's GPS
position), comments, text chunks and anything appended after the picture (a polyglot's
payload) — and the name the user gave is kept only as a display and download name, never as a
path. PDFs are kept as sent: they are served as downloads only (`Content-Disposition:
attachment`, `X-Content-Type-Options: nosniff`), never shown inline."""

import io
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from weibao.core.text import clean_text

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
SIGNATURES = {b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG, b"%PDF-": PDF}
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
# A photo of 40 megapixels is larger than any phone takes; past it, a small file that unpacks
# into gigabytes of pixels (a "decompression bomb") is refused before it is decoded.
MAX_PIXELS = 40_000_000
NAME_LIMIT = 100


def sniffed_type(upload: UploadedFile) -> str | None:
    """JPEG, PNG or PDF by the file's first bytes; None for anything else."""
    head = upload.read(8)
    upload.seek(0)
    return next((kind for sig, kind in SIGNATURES.items() if head.startswith(sig)), None)


def reencoded_image(upload: UploadedFile, content_type: str) -> ContentFile:
    """The picture decoded and written anew in its own format, turned upright as its EXIF
    said, with no metadata and nothing after the picture; a field error on `file` when it
    cannot be read as that kind of picture."""
    unreadable = ValidationError(
        {"file": [_("This picture could not be read. Please take it again.")]}
    )
    try:
        with Image.open(upload) as image:
            if image.format != _PILLOW_FORMATS[content_type]:
                raise unreadable
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"file": [_("The picture is too large (in pixels).")]})
            image.load()
            upright = ImageOps.exif_transpose(image)
            # Pillow writes back some of what it read (a JPEG's comment, for one): keep only
            # a palette's transparency, which is part of the picture.
            upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
            out = io.BytesIO()
            if content_type == JPEG:
                if upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                upright.save(out, "JPEG", quality=90, optimize=True)
            else:
                upright.save(out, "PNG", optimize=True)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise unreadable from exc
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue())


def display_name(upload_name: str | None, content_type: str) -> str:
    """The name to show and to download as: the last part of what the user's device called the
    file, without control characters, shortened, ending in the extension of what the file
    really is (so "report.pdf.html" can never open as a web page)."""
    name = re.split(r"[\\/]", clean_text(upload_name or ""))[-1].strip(" .") or "file"
    name = name[-NAME_LIMIT:]
    extension = EXTENSIONS[content_type]
    accepted = (extension, ".jpeg") if extension == ".jpg" else (extension,)
    if not name.lower().endswith(accepted):
        name = f"{name}{extension}"
    return name


# Control characters never reach a Content-Disposition header.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def stored_file_response(
    stored: FieldFile, *, filename: str, content_type: str, attachment: bool = True
) -> FileResponse:
    """A stored file sent as it was kept — the one way every download of an upload or a made
    file answers: its type, a clean name, never sniffed or cached. A file gone from storage is a
    404, as a file that never was."""
    try:
        handle = stored.open("rb")
    except (OSError, ValueError) as exc:  # ValueError: no file on the field at all
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=attachment,
        filename=CONTROL_RE.sub("", filename) or "file",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
