"""/api/v1/stations/{id}/photos/ and /evidence-files/: a station's photos and evidence files
uploaded through the API (multipart) are taken in by the web pages' services, with the same
checks — type by content, 5 MB, EXIF stripped — field-level 400s, the keepers' 403, the 404 of a
station out of scope, an audit row each; both in the OpenAPI schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import api_client
from tests.stations.test_uploads import GPS, PDF, jpeg_with_exif, stored
from weibao.audit.models import AuditEvent
from weibao.stations.models import EvidenceFile, ItemEvidence, StationPhoto

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photos(station) -> str:
    return f"/api/v1/stations/{station.pk}/photos/"


def _files(station) -> str:
    return f"/api/v1/stations/{station.pk}/evidence-files/"


def _post(user, url, data):
    return api_client(user).post(url, data, format="multipart")


def test_a_keeper_uploads_a_photo_and_its_exif_is_gone(supervisor, station):
    response = _post(
        supervisor,
        _photos(station),
        {
            "file": SimpleUploadedFile("场地.jpg", jpeg_with_exif()),
            "caption": "接待咨询区",
            "on_wall": "true",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["caption"] == "接待咨询区" and body["on_wall"] is True
    assert body["name"] == "场地.jpg" and body["content_type"] == "image/jpeg"
    photo = StationPhoto.objects.get(pk=body["id"])
    assert GPS.encode() not in stored(photo) and b"secret comment" not in stored(photo)
    event = AuditEvent.objects.get(action="station.photo_add")
    assert event.changes["photo"]["new"]["id"] == photo.pk
    listed = api_client(supervisor).get(_photos(station)).json()
    assert [p["id"] for p in listed] == [photo.pk]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),
        (PDF, "plan.pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png"),
    ],
)
def test_what_is_not_a_photo_is_a_field_error(supervisor, station, data, name):
    response = _post(supervisor, _photos(station), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400 and "file" in response.json()
    assert not StationPhoto.objects.exists()


def test_bad_input_is_a_field_error_never_a_500(supervisor, station):
    missing = _post(supervisor, _photos(station), {"caption": "无照片"})
    assert missing.status_code == 400 and "file" in missing.json()
    long = _post(
        supervisor,
        _photos(station),
        {"file": SimpleUploadedFile("a.jpg", jpeg_with_exif()), "caption": "长" * 101},
    )
    assert long.status_code == 400 and "caption" in long.json()
    extra = _post(
        supervisor,
        _photos(station),
        {"file": SimpleUploadedFile("a.jpg", jpeg_with_exif()), "owner": "1"},
    )
    assert extra.status_code == 400
    as_json = api_client(supervisor).post(_photos(station), {"caption": "x"}, format="json")
    assert as_json.status_code == 415
    assert not StationPhoto.objects.exists()


def test_a_file_over_5_mb_is_refused(supervisor, station, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 10)
    response = _post(
        supervisor,
        _files(station),
        {"code": "procedures", "file": SimpleUploadedFile("b.pdf", big)},
    )
    assert response.status_code == 400 and "5 MB" in response.json()["file"][0]
    assert not EvidenceFile.objects.exists()


def test_a_keeper_adds_an_evidence_file_and_the_evidence_awaits_review(supervisor, station):
    response = _post(
        supervisor,
        _files(station),
        {"code": "procedures", "file": SimpleUploadedFile("制度.pdf", PDF)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "procedures" and body["content_type"] == "application/pdf"
    evidence = ItemEvidence.objects.get(station=station, code="procedures")
    assert evidence.files.get().pk == body["id"] and evidence.submitted_by == supervisor
    assert AuditEvent.objects.filter(action="evidence.file_add").count() == 1
    # The evidence rows list it.
    rows = api_client(supervisor).get(f"/api/v1/stations/{station.pk}/evidence/").json()
    row = next(r for r in rows if r["code"] == "procedures")
    assert [f["id"] for f in row["files"]] == [body["id"]]


def test_an_unknown_item_or_a_bad_file_is_a_field_error(supervisor, station):
    unknown = _post(
        supervisor, _files(station), {"code": "nope", "file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert unknown.status_code == 400 and "code" in unknown.json()
    script = _post(
        supervisor,
        _files(station),
        {"code": "procedures", "file": SimpleUploadedFile("a.pdf", b"<script>x</script>")},
    )
    assert script.status_code == 400 and "file" in script.json()
    no_code = _post(supervisor, _files(station), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert no_code.status_code == 400 and "code" in no_code.json()
    assert not EvidenceFile.objects.exists()


def test_out_of_scope_is_404_and_a_reader_who_does_not_keep_it_403(
    supervisor_elsewhere, director_a, district_officer, station
):
    for url in (_photos(station), _files(station)):
        data = {"code": "procedures", "file": SimpleUploadedFile("a.pdf", PDF)}
        if url.endswith("photos/"):
            data = {"file": SimpleUploadedFile("a.jpg", jpeg_with_exif())}
        assert _post(supervisor_elsewhere, url, data).status_code == 404
        assert _post(None, url, data).status_code in (401, 403)
    assert api_client(supervisor_elsewhere).get(_photos(station)).status_code == 404
    missing = _post(
        district_officer,
        "/api/v1/stations/999999/photos/",
        {"file": SimpleUploadedFile("a.jpg", jpeg_with_exif())},
    )
    assert missing.status_code == 404
    assert not StationPhoto.objects.exists() and not EvidenceFile.objects.exists()
    # The district keeps every station of it.
    assert (
        _post(
            district_officer,
            _photos(station),
            {"file": SimpleUploadedFile("a.jpg", jpeg_with_exif())},
        ).status_code
        == 201
    )


def test_both_are_in_the_schema_as_multipart(district_officer):
    schema = api_client(district_officer).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/stations/{id}/photos/", "/api/v1/stations/{id}/evidence-files/"):
        post = schema["paths"][path]["post"]
        assert "multipart/form-data" in post["requestBody"]["content"]


def test_what_was_uploaded_downloads_as_stored_and_out_of_scope_is_404(
    supervisor, supervisor_elsewhere, station
):
    photo = _post(
        supervisor, _photos(station), {"file": SimpleUploadedFile("场地.jpg", jpeg_with_exif())}
    ).json()
    attached = _post(
        supervisor,
        _files(station),
        {"code": "procedures", "file": SimpleUploadedFile("制度.pdf", PDF)},
    ).json()
    photo_url = f"/api/v1/station-photos/{photo['id']}/file/"
    file_url = f"/api/v1/evidence-files/{attached['id']}/file/"
    got = api_client(supervisor).get(photo_url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content) == stored(StationPhoto.objects.get(pk=photo["id"]))
    assert "no-store" in got["Cache-Control"] and "private" in got["Cache-Control"]
    pdf = api_client(supervisor).get(file_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content) == PDF
    for url in (photo_url, file_url, "/api/v1/station-photos/999999/file/"):
        refused = api_client(supervisor_elsewhere).get(url)
        assert refused.status_code == 404 and refused.json() == {"detail": "Not found."}
