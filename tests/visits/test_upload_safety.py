"""Uploads are taken in safely: the type comes from the content; photos are written anew, so
EXIF (a phone's GPS position), comments and anything appended to the picture are gone and the
picture stays upright; a picture that cannot be decoded, or unpacks into too many pixels, is
refused with a field message; the stored file is named by a random token, never by the user's
file name; PDFs are served only as downloads, with nosniff."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from tests.conftest import api_client, web_client
from tests.helpers import PNG
from weibao.core import uploads
from weibao.visits import services

GPS = "GPS 31.2,121.4"
PAYLOAD = b"<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(child_a, director_a):
    return services.visit_start(actor=director_a, child=child_a)


def jpeg_with_exif(orientation: int = 1) -> bytes:
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = GPS  # ImageDescription, standing in for the GPS block
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def attach(actor, visit, data: bytes, name: str = "照片.jpg"):
    return services.visit_attach(actor=actor, visit=visit, upload=SimpleUploadedFile(name, data))


def stored(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_a_photo_loses_its_exif_and_comment_and_stays_upright(draft, director_a):
    original = jpeg_with_exif(orientation=6)  # "rotate 90°": the phone held upright
    attachment = attach(director_a, draft, original)
    data = stored(attachment)
    assert GPS.encode() not in data and b"secret comment" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert image.size == (20, 40)  # turned as the EXIF said, before the EXIF was dropped
    assert attachment.size == len(data)


def test_a_payload_appended_to_a_picture_is_not_kept(draft, director_a):
    attachment = attach(director_a, draft, PNG + PAYLOAD, "poly.png")
    assert PAYLOAD not in stored(attachment)
    assert stored(attachment) == PNG


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing behind it
        b"\xff\xd8\xff" + b"<html>" * 20,  # a JPEG signature before a web page
    ],
)
def test_a_picture_that_cannot_be_decoded_is_refused(draft, director_a, data):
    with pytest.raises(ValidationError) as exc:
        attach(director_a, draft, data)
    assert "file" in exc.value.message_dict
    assert not draft.attachments.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(draft, director_a, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as exc:
        attach(director_a, draft, _png((20, 20)), "bomb.png")
    assert "file" in exc.value.message_dict


def _png(size) -> bytes:
    out = io.BytesIO()
    Image.new("L", size).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\张\\家访.png", "家访.png"),
        ("a\x00b\x1f.png", "ab.png"),
        ("...", "file.png"),
        ("x" * 300 + ".png", "x" * 96 + ".png"),
        ("photo.html", "photo.html.png"),
    ],
)
def test_the_users_file_name_is_only_a_display_name(draft, director_a, name, shown):
    attachment = attach(director_a, draft, PNG, name)
    assert attachment.original_name == shown
    assert attachment.file.name == f"visits/{draft.pk}/{attachment.token}"
    assert len(attachment.token) == 32


def test_a_pdf_is_served_as_a_download_with_nosniff(draft, director_a):
    pdf = b"%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF"
    attachment = attach(director_a, draft, pdf, "report.pdf")
    assert stored(attachment) == pdf  # kept as sent: never shown inline
    for response in (
        web_client(director_a).get(f"/visits/attachments/{attachment.pk}/"),
        api_client(director_a).get(f"/api/v1/visits/attachments/{attachment.pk}/"),
    ):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency(draft, director_a):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", GPS)
    image = Image.new("P", (8, 8))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, transparency=0)
    attachment = attach(director_a, draft, out.getvalue(), "a.png")
    data = stored(attachment)
    assert GPS.encode() not in data
    with Image.open(io.BytesIO(data)) as again:
        assert again.info.get("transparency") == 0 and not again.text
