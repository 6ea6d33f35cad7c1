"""Anonymising a child's file at the end of its retention period (docs/domain.md §9.5): the
identity and every free text go — on the file and in every app that holds text about the
child — and what the statistics count stays."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from tests.cases.helpers import a_plan, a_service_record
from tests.conftest import api_client, web_client
from tests.helpers import (
    PNG,
    REPORTER_NAME,
    REPORTER_PHONE,
    error_dict,
    move_to,
    refer,
    today,
)
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.sealing import opened_note
from weibao.cases.models import Case, PlannedService, PlanVersion
from weibao.cases.services import case_open
from weibao.children.models import Child
from weibao.children.selectors import category_counts, child_search, children_visible_to
from weibao.children.services import (
    GuardianInput,
    anonymised_message,
    child_anonymise,
    child_change_status,
    child_reveal,
    child_update,
)
from weibao.children.tallies import tallies_refresh
from weibao.core.exceptions import Blocked
from weibao.ledger.models import ServiceRecord
from weibao.notifications.models import Notification
from weibao.protection.models import ProtectionRecord
from weibao.protection.services import protection_start
from weibao.referrals.models import Referral
from weibao.reports.models import Report
from weibao.transfers.models import Transfer
from weibao.transfers.services import transfer_cancel, transfer_request
from weibao.visits import services as visit_services
from weibao.visits.models import Concern, Visit, VisitAttachment

# Text only this child's file holds, each in one place; none may survive anywhere but the
# audit and access logs.
NAME = "欧阳秘密"
GUARDIAN = "欧阳家长"
GUARDIAN_PHONE = "13911112222"
ADDRESS = "秘密路77弄7号"
SCHOOL = "秘密实验小学"
HEALTH = "HEALTH-SECRET"
FAMILY = "FAMILY-SECRET"
NOTES = "NOTES-SECRET"
FINDINGS = "FINDINGS-SECRET"
CASE_SUMMARY = "CASE-SUMMARY-SECRET"
GOALS = "GOALS-SECRET"
SERVICE_NOTES = "SERVICE-NOTES-SECRET"
REFERRAL_REASON = "REFERRAL-SECRET"
PLACEMENT = "PLACEMENT-SECRET"
TRANSFER_REASON = "TRANSFER-SECRET"
REPORT_TEXT = "REPORT-DESCRIPTION-SECRET"
SECRETS = [
    NAME,
    GUARDIAN,
    GUARDIAN_PHONE,
    ADDRESS,
    SCHOOL,
    HEALTH,
    FAMILY,
    NOTES,
    FINDINGS,
    CASE_SUMMARY,
    GOALS,
    SERVICE_NOTES,
    REFERRAL_REASON,
    PLACEMENT,
    TRANSFER_REASON,
    REPORT_TEXT,
    REPORTER_NAME,
    REPORTER_PHONE,
]
# The logs are the legal record and are never rewritten (docs/security.md).
LOGS = {AuditEvent, AccessLog}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def full_file(make_child, areas, director_a, supervisor, partner, make_report):
    """A child with something in every app: guardians, a visit with its photo and concern, a
    report linked to the child, a case with its plan, a service, a referral, a temporary
    guardianship, and a transfer asked for and withdrawn."""
    child = make_child(
        "community_a",
        name=NAME,
        address=ADDRESS,
        school=SCHOOL,
        health_notes=HEALTH,
        family_situation=FAMILY,
        notes=NOTES,
        guardians=[GuardianInput(name=GUARDIAN, relation="mother", phone=GUARDIAN_PHONE)],
    )
    visit = visit_services.visit_start(actor=director_a, child=child)
    visit_services.visit_attach(
        actor=director_a, visit=visit, upload=SimpleUploadedFile("p.png", PNG, "image/png")
    )
    visit_services.visit_complete(
        actor=director_a,
        visit=visit,
        expected_version=visit.version,
        data={
            "visit_date": today(),
            "kind": "home",
            "met_with": GUARDIAN,
            "findings": FINDINGS,
            "under8_unattended": "na",
            "under16_alone": "yes",
            "away_without_carer": "no",
            "no_weekly_contact": "no",
        },
    )
    case = case_open(actor=director_a, child=child, summary=CASE_SUMMARY)
    a_plan(director_a, case, goals=GOALS)
    a_service_record(case, notes=SERVICE_NOTES)
    refer(director_a, case, partner, reason=REFERRAL_REASON)
    protection_start(
        actor=supervisor,
        case=case,
        ground="harmed_by_guardian",
        placement="foster_family",
        placement_detail=PLACEMENT,
        started_on=today(),
    )
    report = make_report(description=REPORT_TEXT, child_name=NAME)
    move_to(report, Report.State.HANDLING, supervisor, child=child)
    transfer = transfer_request(
        actor=director_a, child=child, reason=TRANSFER_REASON, to_community=areas["community_b"]
    )
    transfer_cancel(actor=director_a, transfer=transfer)
    return Child.objects.get(pk=child.pk)


def anonymise(child, capture) -> Child:
    with capture(execute=True):
        child_anonymise(actor=None, child=child, reason="Retention period over (test).")
    return Child.objects.get(pk=child.pk)


def _texts(row) -> list[str]:
    values = []
    for field in row._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField | models.JSONField):
            values.append(str(getattr(row, field.attname)))
    return values


def test_the_fixture_puts_the_secrets_in_every_app(full_file):
    # Else the test below could pass by finding nothing to clear.
    found = {
        secret
        for model in apps.get_models()
        if model not in LOGS
        for row in model.objects.all()
        for text in _texts(row)
        for secret in SECRETS
        if secret in text
    }
    assert found == set(SECRETS)
    assert VisitAttachment.objects.filter(visit__child=full_file).count() == 1


def test_no_identity_or_free_text_survives_anywhere_but_the_logs(
    full_file, django_capture_on_commit_callbacks
):
    anonymise(full_file, django_capture_on_commit_callbacks)
    left = [
        (model._meta.label, row.pk, secret)
        for model in apps.get_models()
        if model not in LOGS
        for row in model.objects.all()
        for text in _texts(row)
        for secret in SECRETS
        if secret in text
    ]
    assert left == []


def test_the_file_keeps_what_the_statistics_count_and_loses_its_identity(
    full_file, django_capture_on_commit_callbacks
):
    before = full_file
    categories = sorted(before.category_rows.values_list("category", flat=True))
    child = anonymise(full_file, django_capture_on_commit_callbacks)
    assert child.name == f"已匿名 #{child.pk}"
    assert (child.name_initials, child.name_pinyin) == ("", "")
    assert (child.id_number, child.id_number_masked) == ("", "")
    assert child.id_number_hash.startswith("anon-") and len(child.id_number_hash) <= 64
    for field in ("address", "hukou_place", "school", "health_notes", "family_situation"):
        assert getattr(child, field) == "", field
    assert child.guardians.count() == 0
    assert child.birth_date == dt.date(before.birth_date.year, 1, 1)
    assert (child.sex, child.ethnicity, child.status, child.hukou_type) == (
        before.sex,
        before.ethnicity,
        before.status,
        before.hukou_type,
    )
    assert (child.district_id, child.subdistrict_id, child.community_id) == (
        before.district_id,
        before.subdistrict_id,
        before.community_id,
    )
    assert sorted(child.category_rows.values_list("category", flat=True)) == categories
    assert child.anonymised_at is not None


def test_every_app_clears_its_own_text_and_keeps_its_coded_fields(
    full_file, django_capture_on_commit_callbacks
):
    visit = Visit.objects.get(child=full_file)
    stored = visit.attachments.get().file.name
    assert default_storage.exists(stored)
    anonymise(full_file, django_capture_on_commit_callbacks)
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.findings, visit.met_with) == ("", "")
    assert (visit.under16_alone, visit.state) == ("yes", "completed")
    assert not VisitAttachment.objects.filter(visit=visit).exists()
    assert not default_storage.exists(stored)
    concern = Concern.objects.get(child=full_file)
    assert (concern.description, concern.kind) == ("", "under16_alone")
    report = Report.objects.get(child=full_file)
    assert (report.reporter_name, report.reporter_phone, report.description) == ("", "", "")
    assert (report.child_name, report.child_address, report.child_school) == ("", "", "")
    assert report.reporter_type == "school" and report.child_age == 9
    case = Case.objects.get(child=full_file)
    assert (case.summary, case.stage) == ("", case.stage)
    assert PlanVersion.objects.get(case=case).goals == ""
    assert PlannedService.objects.get(plan__case=case).service_type
    assert ServiceRecord.objects.get(case=case).notes == ""
    assert Referral.objects.get(case=case).reason == ""
    protection = ProtectionRecord.objects.get(case=case)
    assert (protection.placement_detail, protection.placement) == ("", "foster_family")
    transfer = Transfer.objects.get(child=full_file)
    assert (transfer.reason, transfer.status) == ("", "cancelled")


def test_messages_that_named_the_child_name_the_placeholder(
    full_file, django_capture_on_commit_callbacks
):
    named = [n.pk for n in Notification.objects.all() if n.params.get("child") == NAME]
    assert named  # the concern's and the transfer's messages named the child
    child = anonymise(full_file, django_capture_on_commit_callbacks)
    assert {Notification.objects.get(pk=pk).params["child"] for pk in named} == {child.name}


def test_one_audit_row_says_what_was_cleared_without_a_value(
    full_file, django_capture_on_commit_callbacks
):
    earlier = AuditEvent.objects.filter(child=full_file).count()
    anonymise(full_file, django_capture_on_commit_callbacks)
    row = AuditEvent.objects.get(action="child.anonymise")
    assert row.child_id == full_file.pk and row.actor is None
    assert "Retention period over" in opened_note(row.note)
    assert row.changes["removed"]["guardians"] == 1
    assert row.changes["removed"]["visit_attachments"] == 1
    assert {"reports", "cases", "referrals", "protection_records", "transfers"} <= set(
        row.changes["removed"]
    )
    assert not any(secret in str(row.changes) for secret in SECRETS)
    # Earlier rows are kept as written: the log is append-only.
    assert AuditEvent.objects.filter(child=full_file).count() == earlier + 1


def test_the_id_number_no_longer_finds_the_file(make_child, district_officer):
    child = make_child(name=NAME)
    number = child.id_number
    assert list(child_search(children_visible_to(district_officer), number)) == [child]
    child_anonymise(actor=None, child=child, reason="test")
    assert list(child_search(children_visible_to(district_officer), number)) == []
    assert list(child_search(children_visible_to(district_officer), "ouyang")) == []
    # The number is free again: the person's new file (if ever) is not refused as a duplicate.
    api = api_client(district_officer)
    assert api.get("/api/v1/children/", {"q": number}).json()["count"] == 0


def test_two_anonymised_files_do_not_collide_on_the_unique_id_hash(make_child):
    for child in (make_child(name="甲"), make_child(name="乙")):
        child_anonymise(actor=None, child=child, reason="test")
    assert Child.objects.filter(anonymised_at__isnull=False).count() == 2


def test_the_counts_of_minors_do_not_change(make_child, district_officer):
    tallies_refresh()
    make_child(name="未成年")
    adult = make_child(name="已成年", categories=("left_behind", "orphan"))
    Child.objects.filter(pk=adult.pk).update(birth_date=dt.date(today().year - 24, 7, 9))
    tallies_refresh()
    before = category_counts(district_officer)
    child_anonymise(actor=None, child=Child.objects.get(pk=adult.pk), reason="test")
    assert category_counts(district_officer) == before
    assert category_counts(district_officer, today()) == before  # counted from the register
    assert (before["total"], before["left_behind"], before["orphan"]) == (1, 1, 0)


def test_an_anonymised_file_cannot_be_changed_or_revealed(make_child, district_officer):
    child = child_anonymise(actor=None, child=make_child(name=NAME), reason="test")
    with pytest.raises(Blocked):
        child_update(
            actor=district_officer, child=child, expected_version=child.version, data={"name": NAME}
        )
    with pytest.raises(Blocked):
        child_change_status(
            actor=district_officer,
            child=child,
            expected_version=child.version,
            status="moved_out",
            date=today(),
            reason="moved",
        )
    with pytest.raises(Blocked):
        child_anonymise(actor=None, child=child, reason="again")
    with pytest.raises(ValidationError) as exc:
        child_reveal(
            actor=district_officer, child=child, field="id_number", reason="x", channel="web"
        )
    assert error_dict(exc)["field"] == [anonymised_message()]
    assert "匿名化" in anonymised_message()


def test_only_district_staff_of_the_childs_district_or_the_retention_run_anonymise(
    make_child, supervisor, director_a, district_officer
):
    child = make_child(name=NAME)
    for actor in (supervisor, director_a):
        with pytest.raises(PermissionDenied):
            child_anonymise(actor=actor, child=child, reason="test")
    assert child_anonymise(actor=district_officer, child=child, reason="test").anonymised_at


def test_the_page_shows_the_anonymised_marker_and_no_data(
    full_file, django_capture_on_commit_callbacks, supervisor
):
    child = anonymise(full_file, django_capture_on_commit_callbacks)
    html = web_client(supervisor).get(f"/children/{child.pk}/").content.decode()
    assert "已匿名" in html and "保存期限" in html
    assert f"/children/{child.pk}/edit/" not in html and "/reveal/" not in html
    # The history says what happened, not the values its rows keep.
    assert not any(secret in html for secret in SECRETS)
    response = web_client(supervisor).get(f"/children/{child.pk}/edit/")
    assert response.status_code == 302


def test_the_api_shows_when_the_file_was_anonymised_and_refuses_changes(
    make_child, district_officer
):
    child = child_anonymise(actor=None, child=make_child(name=NAME), reason="test")
    api = api_client(district_officer)
    body = api.get(f"/api/v1/children/{child.pk}/").json()
    assert body["anonymised_at"] and body["name"] == child.name and body["guardians"] == []
    response = api.patch(
        f"/api/v1/children/{child.pk}/", {"version": child.version, "notes": "x"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "anonymised"
    response = api.post(
        f"/api/v1/children/{child.pk}/reveal/",
        {"field": "id_number", "reason": "need it"},
        format="json",
    )
    assert response.status_code == 400 and "field" in response.json()
