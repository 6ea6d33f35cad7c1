"""An audit row stores the values of encrypted fields, and the note typed with a change about a
child, sealed ({"enc": "<Fernet token>"}): the log does not keep in clear what the tables keep
encrypted. Which values are sealed follows from the field types, so a field made encrypted is
sealed in the log without being listed. The hash chain covers what is stored and keeps
verifying; the child's history, the case timeline (page and API) and the report's page show
the values in clear to those who read them, and a value whose key is gone reads as such instead
of breaking the page. Rows written before sealing existed read as they were written."""

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.utils.functional import SimpleLazyObject

from tests.cases.helpers import a_plan
from tests.conftest import api_client, web_client
from tests.helpers import move_to
from weibao.audit.chain import chain_append, log_verify
from weibao.audit.models import AuditEvent
from weibao.audit.sealing import MARK, opened, opened_note, seal_changes, unreadable
from weibao.audit.services import audit_record
from weibao.cases import services as case_services
from weibao.children.models import Child
from weibao.children.services import GuardianInput, child_update
from weibao.core import crypto
from weibao.core.fields import EncryptedTextField
from weibao.reports.models import Report
from weibao.security.services import two_factor_reset

HEALTH = "哮喘，需随身带药"
FAMILY = "父亲酗酒后打人"


def _stored(event: AuditEvent) -> str:
    """The row as the database holds it."""
    row = AuditEvent.objects.filter(pk=event.pk).values("changes", "note").get()
    return json.dumps(row["changes"], ensure_ascii=False) + row["note"]


def _edit(child: Child, actor, **data) -> AuditEvent:
    child_update(actor=actor, child=child, expected_version=child.version, data=data)
    return AuditEvent.objects.filter(child=child, action="child.update").latest("id")


def test_a_childs_health_notes_and_family_situation_are_sealed_in_the_audit_row(
    child_a, director_a
):
    event = _edit(child_a, director_a, health_notes=HEALTH, family_situation=FAMILY)
    stored = _stored(event)
    assert HEALTH not in stored and FAMILY not in stored
    raw = AuditEvent.objects.get(pk=event.pk).changes
    assert set(raw["health_notes"]["new"]) == {MARK}
    assert raw["health_notes"]["old"] == ""  # an empty value stays empty, as in its column
    assert opened(raw)["health_notes"] == {"old": "", "new": HEALTH}
    assert opened(raw)["family_situation"] == {"old": "", "new": FAMILY}
    assert log_verify("audit").ok


def test_a_guardians_notes_are_sealed_inside_the_guardian_changes(child_a, director_a):
    guardian = child_a.guardians.get()
    child_update(
        actor=director_a,
        child=child_a,
        expected_version=child_a.version,
        data={},
        guardians=[
            GuardianInput(
                id=guardian.pk, name=guardian.name, relation=guardian.relation, notes=FAMILY
            )
        ],
    )
    event = AuditEvent.objects.filter(child=child_a, action="child.update").latest("id")
    assert FAMILY not in _stored(event)
    [change] = opened(event.changes)["guardians"]
    assert change["fields"]["notes"] == {"old": "", "new": FAMILY}


def test_every_encrypted_field_of_every_model_is_sealed_without_being_listed():
    models = [m for m in apps.get_models() if m._meta.app_label != "audit"]
    fields = [
        (model, f.name)
        for model in models
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]
    assert len(fields) > 30
    for model, name in fields:
        sealed = seal_changes(model, {name: {"old": "旧", "new": HEALTH}, "other": "明文"})
        assert HEALTH not in json.dumps(sealed, ensure_ascii=False), (model, name)
        assert sealed["other"] == "明文"
        assert opened(sealed)[name] == {"old": "旧", "new": HEALTH}


def test_a_writer_seals_a_value_kept_under_a_name_that_is_no_field(child_a, director_a):
    event = audit_record(
        actor=director_a,
        action="child.update",
        obj=child_a,
        child=child_a,
        changes={"what_was_said": {"new": FAMILY}, "school": {"new": "第一小学"}},
        sealed={"what_was_said"},
    )
    assert FAMILY not in _stored(event) and "第一小学" in _stored(event)
    assert opened(event.changes)["what_was_said"] == {"new": FAMILY}


def test_the_note_of_a_case_row_is_sealed_and_the_timeline_shows_it(case_a, director_a):
    summary = "孩子长期独自在家，母亲外出务工"
    case_services.case_file(actor=director_a, case=case_a, summary=summary)
    event = AuditEvent.objects.get(case=case_a, action="case.file")
    assert summary not in _stored(event)
    assert opened_note(event.note) == summary
    page = web_client(director_a).get(f"/cases/{case_a.pk}/timeline/").content.decode()
    assert summary in page and "gAAAAA" not in page
    data = api_client(director_a).get(f"/api/v1/cases/{case_a.pk}/timeline/").json()
    assert [e["note"] for e in data if e["action"] == "case.file"] == [summary]


def test_the_plan_goals_in_the_timeline_are_opened_for_the_api(case_a, director_a):
    a_plan(director_a, case_a, change_note="首次制定：孩子有自伤倾向")
    data = api_client(director_a).get(f"/api/v1/cases/{case_a.pk}/timeline/").json()
    [entry] = [e for e in data if e["action"] == "plan.save"]
    assert entry["note"] == "首次制定：孩子有自伤倾向"
    assert "enc" not in json.dumps(entry["changes"])


def test_the_childs_history_shows_the_sealed_values_in_clear(child_a, director_a):
    _edit(child_a, director_a, health_notes=HEALTH)
    page = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    history = page[page.index('<ol class="history">') :]
    assert HEALTH in history and "gAAAAA" not in history


def test_the_report_page_shows_the_sealed_outcome_note(make_report, supervisor):
    report = move_to(make_report(), Report.State.CLOSED, supervisor)
    event = AuditEvent.objects.get(action="report.close", object_id=str(report.pk))
    assert "Done." not in _stored(event)
    page = web_client(supervisor).get(f"/reports/{report.pk}/").content.decode()
    assert "Done." in page and "gAAAAA" not in page


def test_a_note_about_no_child_stays_as_typed(district_officer, supervisor):
    two_factor_reset(actor=district_officer, user=supervisor, reason="手机丢失")
    event = AuditEvent.objects.get(action="2fa.reset")
    assert event.note == "手机丢失"
    # The signed-in user of a request is a lazy object: its model is still known.
    lazy = SimpleLazyObject(lambda: supervisor)
    event = audit_record(actor=supervisor, action="auth.logout", obj=lazy, note="网页")
    assert event.note == "网页" and event.object_type == "accounts.user"


def test_rows_written_before_sealing_read_as_they_were_written(child_a, director_a):
    chain_append(
        AuditEvent,
        actor=director_a,
        action="child.update",
        object_type="children.child",
        object_id=str(child_a.pk),
        district_id=child_a.district_id,  # as migration audit.0009 filled the old rows
        child=child_a,
        changes={"health_notes": {"old": "", "new": "旧记录里的明文"}},
        note="旧备注",
    )
    event = AuditEvent.objects.latest("id")
    assert opened(event.changes)["health_notes"]["new"] == "旧记录里的明文"
    assert opened_note(event.note) == "旧备注"
    page = web_client(director_a).get(f"/children/{child_a.pk}/").content.decode()
    assert "旧记录里的明文" in page
    assert log_verify("audit").ok


def test_a_value_whose_key_is_no_longer_configured_reads_as_such(
    child_a, director_a, case_a, settings
):
    _edit(child_a, director_a, health_notes=HEALTH)
    case_services.case_file(actor=director_a, case=case_a, summary="已知情况")
    edit = AuditEvent.objects.filter(action="child.update").latest("id")
    filing = AuditEvent.objects.get(action="case.file")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_key_caches()
    try:
        assert opened(edit.changes)["health_notes"]["new"] == unreadable()
        assert opened_note(filing.note) == unreadable()
        assert log_verify("audit").ok  # verifying needs no field key
    finally:
        crypto.reset_key_caches()


def test_audit_verify_passes_with_sealed_rows(child_a, director_a, case_a):
    _edit(child_a, director_a, health_notes=HEALTH, family_situation=FAMILY)
    case_services.case_file(actor=director_a, case=case_a, summary="已知情况")
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit log:" in out.getvalue() and "chain intact" in out.getvalue()


@pytest.mark.parametrize("note", ["同意。", "x", ""])
def test_a_short_note_is_sealed_and_opened(case_a, director_a, note):
    event = audit_record(
        actor=director_a, action="case.note", obj=case_a, child=case_a.child, case=case_a, note=note
    )
    assert opened_note(event.note) == note
    assert bool(crypto.FERNET_TOKEN.fullmatch(event.note)) == bool(note)
