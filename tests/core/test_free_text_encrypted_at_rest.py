"""The free text that holds health, family and harm details is stored encrypted: a child's
health notes, family situation, notes and status reason, a guardian's notes; a visit's narratives
and findings; a concern's description and handling note; a report's description, "other"
situation, place and outcome message; a case's summary, risk reasons, closing summary and
restriction reason; a plan's goals and change note, a planned service's details and cancelling
reason; a service's notes and void reason; a referral's reason, response, feedback and revoking
reason; a temporary guardianship's assessment notes and end note; a transfer's reason and
decision note. Code reads them in clear; the database holds ciphertext. The migrations encrypt
existing rows in place and decrypt them when reversed."""

import pytest
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader

from tests.helpers import record_service
from tests.transfers.helpers import ask, full_file
from weibao.cases.models import Case, PlannedService, PlanVersion
from weibao.children.models import Child, Guardian
from weibao.core.fields import EncryptedTextField, encrypt_columns
from weibao.ledger.models import ServiceRecord
from weibao.ledger.services import service_record_void
from weibao.protection.models import ProtectionRecord
from weibao.referrals.models import Referral
from weibao.reports.models import Report
from weibao.transfers.models import Transfer
from weibao.visits.models import Concern, Visit

SECRET = "哮喘，需随身带药；父亲酗酒后打人"

ENCRYPTED = {
    Child: ["health_notes", "family_situation", "notes", "status_reason"],
    Guardian: ["notes"],
    Visit: ["psychology", "study", "family_economy", "guardianship", "findings", "next_steps"],
    Concern: ["description", "handled_note"],
    Report: ["description", "other_situation", "place", "outcome_message"],
    Case: ["summary", "risk_reasons", "close_summary", "restricted_reason"],
    PlanVersion: ["goals", "change_note"],
    PlannedService: ["description", "cancel_reason"],
    ServiceRecord: ["notes", "void_reason"],
    Referral: ["reason", "response_note", "feedback", "revoke_reason"],
    ProtectionRecord: ["capacity_notes", "end_note"],
    Transfer: ["reason", "decision_note"],
}

# The migration that encrypted fields of a table: (table, fields, app, the migration before it,
# the migration).
MIGRATIONS = [
    ("children.child", ["health_notes", "family_situation", "notes"],
     "children", "0005_category_tally", "0006_encrypt_free_text"),
    ("children.child", ["status_reason"],
     "children", "0007_child_anonymised_at", "0008_encrypt_free_text"),
    ("children.guardian", ["notes"],
     "children", "0007_child_anonymised_at", "0008_encrypt_free_text"),
    ("visits.visit", ENCRYPTED[Visit],
     "visits", "0009_visit_no_weekly_contact", "0010_encrypt_free_text"),
    ("visits.concern", ENCRYPTED[Concern],
     "visits", "0009_visit_no_weekly_contact", "0010_encrypt_free_text"),
    ("reports.report", ["description"],
     "reports", "0004_report_no_case_reason", "0005_encrypt_free_text"),
    ("reports.report", ["other_situation", "place", "outcome_message"],
     "reports", "0005_encrypt_free_text", "0006_encrypt_free_text"),
    ("cases.case", ["summary", "risk_reasons", "close_summary"],
     "cases", "0006_close_rules", "0007_encrypt_free_text"),
    ("cases.case", ["restricted_reason"],
     "cases", "0007_encrypt_free_text", "0008_encrypt_free_text"),
    ("cases.planversion", ENCRYPTED[PlanVersion],
     "cases", "0007_encrypt_free_text", "0008_encrypt_free_text"),
    ("cases.plannedservice", ENCRYPTED[PlannedService],
     "cases", "0007_encrypt_free_text", "0008_encrypt_free_text"),
    ("ledger.servicerecord", ["notes"],
     "ledger", "0002_close_rules", "0003_encrypt_free_text"),
    ("ledger.servicerecord", ["void_reason"],
     "ledger", "0003_encrypt_free_text", "0004_encrypt_void_reason"),
    ("referrals.referral", ENCRYPTED[Referral],
     "referrals", "0001_initial", "0002_encrypt_free_text"),
    ("protection.protectionrecord", ENCRYPTED[ProtectionRecord],
     "protection", "0001_initial", "0002_encrypt_free_text"),
    ("transfers.transfer", ENCRYPTED[Transfer],
     "transfers", "0001_initial", "0002_encrypt_free_text"),
]  # fmt: skip


def raw(model, pk: int, field: str) -> str:
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("model", "field"), [(m, f) for m, fields in ENCRYPTED.items() for f in fields]
)
def test_the_field_is_an_encrypted_field(model, field):
    assert isinstance(model._meta.get_field(field), EncryptedTextField)


def test_every_encrypted_field_has_its_migration():
    migrated = {(label, f) for label, fields, *_names in MIGRATIONS for f in fields}
    listed = {(m._meta.label_lower, f) for m, fields in ENCRYPTED.items() for f in fields}
    assert migrated == listed


@pytest.fixture
def world(child_a, director_a, supervisor, partner, make_report, areas):
    file = full_file(child_a, director_a, supervisor, partner)
    return {
        Child: file.child,
        Guardian: file.child.guardians.first(),
        Visit: file.visit,
        Concern: file.concern,
        Case: file.case,
        PlanVersion: file.case.plan_versions.first(),
        PlannedService: PlannedService.objects.filter(plan__case=file.case).first(),
        # Voided, so that its void reason may be set (service_record_void_complete).
        ServiceRecord: service_record_void(
            actor=director_a,
            record=record_service(director_a, file.case, notes=SECRET),
            reason="Entered twice.",
        ),
        Report: make_report(description=SECRET),
        Referral: file.referral,
        ProtectionRecord: file.protection,
        Transfer: ask(director_a, file.child, to_community=areas["community_b"]),
    }


def test_the_database_holds_ciphertext_and_code_reads_clear_text(world):
    for model, fields in ENCRYPTED.items():
        row = world[model]
        model.objects.filter(pk=row.pk).update(**dict.fromkeys(fields, SECRET))
        fresh = model.objects.get(pk=row.pk)
        for field in fields:
            assert getattr(fresh, field) == SECRET, (model, field)
            stored = raw(model, row.pk, field)
            assert SECRET not in stored and stored.startswith("gAAAAA"), (model, field)
            assert model.objects.filter(pk=row.pk).values_list(field, flat=True)[0] == SECRET


def _historical(app: str, before: str):
    """The models as they were just before the table's migration (plain text fields)."""
    state = MigrationLoader(connection).project_state((app, before))
    return state.apps


def _run_python(app: str, migration: str) -> list[migrations.RunPython]:
    loaded = MigrationLoader(connection).get_migration(app, migration)
    return [op for op in loaded.operations if isinstance(op, migrations.RunPython)]


@pytest.mark.parametrize(
    ("label", "fields", "app", "before", "migration"),
    MIGRATIONS,
    ids=[f"{app}.{migration}:{label}" for label, _f, app, _b, migration in MIGRATIONS],
)
def test_the_migration_encrypts_existing_rows_and_its_reverse_decrypts_them(
    world, label, fields, app, before, migration
):
    model = next(m for m in ENCRYPTED if m._meta.label_lower == label)
    row = world[model]
    apps = _historical(app, before)
    old = apps.get_model(label)
    old.objects.filter(pk=row.pk).update(**dict.fromkeys(fields, SECRET))  # as stored before
    assert raw(model, row.pk, fields[0]) == SECRET
    steps = _run_python(app, migration)

    for step in steps:  # the migration's own functions
        step.code(apps, None)
    for field in fields:
        assert SECRET not in raw(model, row.pk, field)
        assert getattr(model.objects.get(pk=row.pk), field) == SECRET
    encrypt_columns(label, fields)(apps, None)  # twice changes nothing
    assert getattr(model.objects.get(pk=row.pk), fields[0]) == SECRET

    for step in reversed(steps):
        step.reverse_code(apps, None)
    assert [raw(model, row.pk, f) for f in fields] == [SECRET] * len(fields)
