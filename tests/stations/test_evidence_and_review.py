"""Evidence and its review (docs/domain.md §1.12): the station records a note, a self-assessment
and files for each item; the district reviews it — passed, or needs work with a note — and never
the person who submitted it or added one of its files (four eyes: the service refuses, the page
shows no button). The latest event wins: evidence changed after a review awaits a new one."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import web_client
from tests.helpers import PNG, error_dict
from tests.stations.conftest import review, submit
from weibao.audit.models import AuditEvent
from weibao.stations import services
from weibao.stations.choices import ItemState
from weibao.stations.evidence import item_state
from weibao.stations.models import ItemEvidence, ItemReview

pytestmark = pytest.mark.usefixtures("english")


def state(station, code):
    return item_state(ItemEvidence.objects.filter(station=station, code=code).first(), None)


def test_an_item_without_evidence_is_missing_then_submitted(supervisor, station):
    assert state(station, "window") == ItemState.MISSING
    submit(supervisor, station, "window")
    assert state(station, "window") == ItemState.SUBMITTED
    assert AuditEvent.objects.filter(action="evidence.submit").count() == 1


def test_the_district_passes_or_asks_for_more_work(supervisor, district_officer, station):
    submit(supervisor, station, "window")
    review(district_officer, station, "window", "needs_work", "请补充窗口照片。")
    assert state(station, "window") == ItemState.NEEDS_WORK
    submit(supervisor, station, "window", note="已补充。")
    assert state(station, "window") == ItemState.SUBMITTED
    review(district_officer, station, "window")
    assert state(station, "window") == ItemState.PASSED
    assert list(ItemReview.objects.values_list("decision", flat=True)) == ["passed", "needs_work"]


def test_needs_work_must_say_what(supervisor, district_officer, station):
    submit(supervisor, station, "window")
    with pytest.raises(ValidationError) as exc:
        review(district_officer, station, "window", "needs_work", "  ")
    assert "note" in error_dict(exc)


def test_evidence_changed_after_a_pass_awaits_a_new_review(supervisor, district_officer, station):
    submit(supervisor, station, "window")
    review(district_officer, station, "window")
    services.evidence_file_add(
        actor=supervisor,
        station=station,
        code="window",
        upload=SimpleUploadedFile("window.png", PNG, content_type="image/png"),
    )
    assert state(station, "window") == ItemState.SUBMITTED


def test_the_submitter_may_not_review_their_own_evidence(district_officer, reviewer, station):
    submit(district_officer, station, "window")
    with pytest.raises(ValidationError) as exc:
        review(district_officer, station, "window")
    assert exc.value.error_dict["decision"][0].code == "four_eyes"
    review(reviewer, station, "window")
    assert state(station, "window") == ItemState.PASSED


def test_nor_may_whoever_added_one_of_its_files(supervisor, district_officer, reviewer, station):
    submit(supervisor, station, "window")
    services.evidence_file_add(
        actor=district_officer,
        station=station,
        code="window",
        upload=SimpleUploadedFile("window.png", PNG, content_type="image/png"),
    )
    with pytest.raises(ValidationError) as exc:
        review(district_officer, station, "window")
    assert exc.value.error_dict["decision"][0].code == "four_eyes"
    review(reviewer, station, "window")


def test_the_review_button_is_hidden_from_the_submitter(district_officer, reviewer, station):
    submit(district_officer, station, "window")
    url = f"/stations/{station.pk}/items/window/"
    own = web_client(district_officer).get(url).content.decode()
    other = web_client(reviewer).get(url).content.decode()
    action = f'action="/stations/{station.pk}/items/window/review/"'
    assert action not in own and "four eyes" in own
    assert action in other
    # Posted anyway: refused, nothing recorded.
    response = web_client(district_officer).post(
        url + "review/", {"decision": "passed", "version": 1}
    )
    assert response.status_code == 200 and not ItemReview.objects.exists()


def test_only_the_districts_staff_review(supervisor, station_staff, station):
    submit(station_staff, station, "window")
    with pytest.raises(PermissionDenied):
        review(supervisor, station, "window")


def test_there_must_be_evidence_to_review(district_officer, station):
    with pytest.raises(ValidationError) as exc:
        review(district_officer, station, "window")
    assert "decision" in error_dict(exc)


def test_an_unknown_item_is_refused(supervisor, station):
    with pytest.raises(ValidationError) as exc:
        submit(supervisor, station, "no_such_item")
    assert "code" in error_dict(exc)


def test_a_director_may_not_submit_evidence(director_a, station):
    with pytest.raises(PermissionDenied):
        submit(director_a, station, "window")


def test_the_evidence_page_records_a_submission(station_staff, station):
    client = web_client(station_staff)
    response = client.post(
        f"/stations/{station.pk}/items/window/",
        {"self_assessment": "partly", "note": "窗口已设，标识待补。", "version": ""},
    )
    assert response.status_code == 302
    evidence = ItemEvidence.objects.get(station=station, code="window")
    assert (evidence.self_assessment, evidence.submitted_by) == ("partly", station_staff)
    # Without a self-assessment: a field error on the page, not a 500.
    response = client.post(f"/stations/{station.pk}/items/window/", {"note": "x"})
    assert response.status_code == 200 and response.context["evidence_form"].errors


def test_a_review_is_kept_against_the_item_of_the_version_in_force(
    supervisor, district_officer, station
):
    submit(supervisor, station, "window")
    evidence = review(district_officer, station, "window")
    reviewed = evidence.reviews.get()
    assert reviewed.item.code == "window" and reviewed.item.standard.starts_on <= dt.date.today()


def test_a_station_prepares_an_item_of_a_version_still_to_come(
    supervisor, district_officer, station
):
    services.standard_ensure_default(district=station.district)
    version = services.standard_version_create(
        actor=district_officer,
        district=station.district,
        data={"name": "八个一", "version_name": "2026", "starts_on": dt.date.today()
              + dt.timedelta(days=7)},
    )  # fmt: skip
    services.standard_item_add(
        actor=district_officer,
        standard=version,
        data={"code": "sh2025_space", "wording": "场地不少于30平方米", "computed": "venue"},
    )
    submit(supervisor, station, "sh2025_space")
    # Not in force yet: nothing to review it against.
    with pytest.raises(ValidationError) as exc:
        review(district_officer, station, "sh2025_space")
    assert "code" in error_dict(exc)


def test_the_item_page_gives_the_evidence_and_review_forms_each_their_own_ids(
    supervisor, district_officer, station
):
    # The district both keeps and reviews: the page shows the two forms, each with a note box.
    submit(supervisor, station, "window")
    html = web_client(district_officer).get(f"/stations/{station.pk}/items/window/")
    html = html.content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert 'id="id_note"' in html and 'id="id_review_note"' in html
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert 'for="id_review_note"' in html
