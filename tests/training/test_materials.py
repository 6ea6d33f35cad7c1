"""A session's materials are taken in by core.uploads: the type by content (JPEG, PNG, PDF),
photos written anew without their metadata, at most 10 MB; PDFs served only as downloads
with nosniff; out of scope a 404; every upload and removal audited."""

import datetime as dt
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import web_client
from tests.helpers import PNG
from tests.training.helpers import a_session
from weibao.audit.models import AuditEvent
from weibao.training import services
from weibao.training.models import SessionMaterial

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GPS = "GPS 31.2,121.4"


@pytest.fixture
def session(areas, supervisor):
    return a_session(supervisor, areas["tianshan"], held_on=dt.date(2024, 3, 1))


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (30, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _add(actor, session, data: bytes, name: str):
    return services.material_add(
        actor=actor, session=session, upload=SimpleUploadedFile(name, data)
    )


def test_a_pdf_is_kept_and_served_only_as_a_download(session, supervisor):
    material = _add(supervisor, session, PDF, "课件.pdf")
    assert (material.content_type, material.original_name) == ("application/pdf", "课件.pdf")
    assert "课件" not in material.file.name  # stored under its random token
    response = web_client(supervisor).get(f"/training/materials/{material.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(action="training.material_add")
    assert event.changes["name"] == "课件.pdf"


def test_a_photo_is_written_anew_without_its_exif(session, supervisor):
    material = _add(supervisor, session, _jpeg_with_exif(), "现场.jpg")
    with material.file.open("rb") as handle:
        data = handle.read()
    assert GPS.encode() not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "slides.pdf"),  # the name lies
        (b"PK\x03\x04 a zip file", "课件.pptx"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage", "broken.png"),
    ],
)
def test_anything_else_is_refused_with_a_field_message(session, supervisor, data, name):
    with pytest.raises(ValidationError) as exc:
        _add(supervisor, session, data, name)
    assert "file" in exc.value.message_dict
    assert not SessionMaterial.objects.exists()


def test_a_file_over_the_limit_is_refused(session, supervisor, monkeypatch):
    monkeypatch.setattr(services, "MATERIAL_MAX_BYTES", len(PDF) - 1)
    with pytest.raises(ValidationError):
        _add(supervisor, session, PDF, "big.pdf")


def test_the_upload_page_says_what_was_wrong(session, supervisor):
    response = web_client(supervisor).post(
        f"/training/{session.pk}/materials/",
        {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")},
        follow=True,
    )
    assert "仅支持JPEG、PNG格式的照片和PDF文件" in response.content.decode()
    assert not SessionMaterial.objects.exists()


def test_a_file_out_of_scope_is_404_like_none(
    session, supervisor, supervisor_elsewhere, director_a
):
    material = _add(supervisor, session, PNG, "a.png")
    for user in (supervisor_elsewhere, director_a):
        client = web_client(user)
        assert client.get(f"/training/materials/{material.pk}/").status_code == 404
        assert client.get("/training/materials/987654321/").status_code == 404
        assert client.post(f"/training/materials/{material.pk}/remove/").status_code == 404


def test_removing_a_file_is_audited_and_deletes_it(
    session, supervisor, django_capture_on_commit_callbacks
):
    material = _add(supervisor, session, PNG, "a.png")
    path = material.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client(supervisor).post(f"/training/materials/{material.pk}/remove/")
    assert response.status_code == 302
    assert not SessionMaterial.objects.exists()
    assert not os.path.exists(path)
    assert AuditEvent.objects.get(action="training.material_remove").changes["name"] == "a.png"
