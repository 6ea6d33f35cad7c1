"""A station's photos and its evidence files are taken in safely (core.uploads): the type comes
from the content, photos are written anew without their EXIF (a phone's GPS position), size is
limited, the stored file is named by a random token; a photo shows on the public page only when
its keepers say so, and only while the station's page is published."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import web_client
from tests.helpers import PNG, error_dict
from weibao.stations import services
from weibao.stations.models import StationPhoto

pytestmark = pytest.mark.usefixtures("english")
GPS = "GPS 31.2,121.4"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def upload(data: bytes, name: str = "场地.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def stored(record) -> bytes:
    with record.file.open("rb") as handle:
        return handle.read()


def test_a_photo_loses_its_exif_and_is_stored_under_a_token(supervisor, station):
    photo = services.photo_add(actor=supervisor, station=station, upload=upload(jpeg_with_exif()))
    data = stored(photo)
    assert GPS.encode() not in data and b"secret comment" not in data
    assert photo.file.name.endswith(photo.token) and "场地" not in photo.file.name
    assert photo.original_name == "场地.jpg" and photo.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),  # not a picture at all
        (PDF, "plan.pdf"),  # a document is no photo
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png"),  # cannot be decoded
    ],
)
def test_what_is_not_a_photo_is_refused(supervisor, station, data, name):
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=supervisor, station=station, upload=upload(data, name))
    assert "file" in error_dict(exc)
    assert not StationPhoto.objects.exists()


def test_a_file_over_5_mb_is_refused(supervisor, station):
    big = SimpleUploadedFile("big.png", PNG)
    big.size = 5 * 1024 * 1024 + 1
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=supervisor, station=station, upload=big)
    assert "5 MB" in error_dict(exc)["file"][0]


def test_evidence_takes_photos_and_pdfs_and_nothing_else(supervisor, station):
    pdf = services.evidence_file_add(
        actor=supervisor, station=station, code="procedures", upload=upload(PDF, "制度.pdf")
    )
    assert pdf.content_type == "application/pdf" and stored(pdf) == PDF
    with pytest.raises(ValidationError) as exc:
        services.evidence_file_add(
            actor=supervisor,
            station=station,
            code="procedures",
            upload=upload(b"MZ\x90\x00binary", "制度.exe"),
        )
    assert "file" in error_dict(exc)


def test_an_evidence_file_downloads_as_an_attachment_with_nosniff(supervisor, station):
    pdf = services.evidence_file_add(
        actor=supervisor, station=station, code="procedures", upload=upload(PDF, "制度.pdf")
    )
    response = web_client(supervisor).get(f"/stations/evidence-files/{pdf.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_photo_page_refuses_a_bad_file_with_a_message(supervisor, station):
    response = web_client(supervisor).post(
        f"/stations/{station.pk}/photos/", {"file": upload(b"not a picture", "x.png")}
    )
    assert response.status_code == 302 and not StationPhoto.objects.exists()


def test_a_photo_shows_publicly_only_when_marked_and_published(supervisor, station):
    photo = services.photo_add(actor=supervisor, station=station, upload=upload(PNG, "a.png"))
    anonymous = web_client(None)
    assert anonymous.get(f"/wall/photos/{photo.pk}/").status_code == 404
    services.photo_update(actor=supervisor, photo=photo, caption="接待区", on_wall=True)
    assert anonymous.get(f"/wall/photos/{photo.pk}/").status_code == 404  # not published yet
    services.station_set_published(actor=supervisor, station=station, published=True)
    response = anonymous.get(f"/wall/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_removing_a_photo_deletes_its_file_once_committed(
    supervisor, station, django_capture_on_commit_callbacks
):
    photo = services.photo_add(actor=supervisor, station=station, upload=upload(PNG, "a.png"))
    storage, name = photo.file.storage, photo.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.photo_remove(actor=supervisor, photo=photo)
    assert storage.exists(name)  # not before the removal is committed
    for callback in callbacks:
        callback()
    assert not storage.exists(name)
