"""The free text that holds health, family and harm details is stored encrypted: a child's
health notes, family situation and notes; a visit's narratives and findings; a concern's
description and handling note; a report's description; a case's summary, risk reasons and
closing summary; a service's notes. Code reads them in clear; the database holds ciphertext.
The migrations encrypt existing rows in place and decrypt them when reversed."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.helpers import record_service
from tests.transfers.helpers import full_file
from weibao.cases.models import Case
from weibao.children.models import Child
from weibao.core.fields import EncryptedTextField, decrypt_columns, encrypt_columns
from weibao.ledger.models import ServiceRecord
from weibao.reports.models import Report
from weibao.visits.models import Concern, Visit

SECRET = "哮喘，需随身带药；父亲酗酒后打人"

ENCRYPTED = {
    Child: ["health_notes", "family_situation", "notes"],
    Visit: ["psychology", "study", "family_economy", "guardianship", "findings", "next_steps"],
    Concern: ["description", "handled_note"],
    Report: ["description"],
    Case: ["summary", "risk_reasons", "close_summary"],
    ServiceRecord: ["notes"],
}

# The migration that encrypted each table, and the one before it.
MIGRATIONS = {
    "children.child": ("children", "0005_category_tally", "0006_encrypt_free_text"),
    "visits.visit": ("visits", "0009_visit_no_weekly_contact", "0010_encrypt_free_text"),
    "visits.concern": ("visits", "0009_visit_no_weekly_contact", "0010_encrypt_free_text"),
    "reports.report": ("reports", "0004_report_no_case_reason", "0005_encrypt_free_text"),
    "cases.case": ("cases", "0006_close_rules", "0007_encrypt_free_text"),
    "ledger.servicerecord": ("ledger", "0002_close_rules", "0003_encrypt_free_text"),
}


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


@pytest.fixture
def world(child_a, director_a, supervisor, partner, make_report):
    file = full_file(child_a, director_a, supervisor, partner)
    return {
        Child: file.child,
        Visit: file.visit,
        Concern: file.concern,
        Case: file.case,
        ServiceRecord: record_service(director_a, file.case, notes=SECRET),
        Report: make_report(description=SECRET),
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


def _historical(label: str):
    """The models as they were just before the table's migration (plain TextFields)."""
    app, before, _migration = MIGRATIONS[label]
    state = MigrationLoader(connection).project_state((app, before))
    return state.apps


@pytest.mark.parametrize("label", list(MIGRATIONS))
def test_the_migration_encrypts_existing_rows_and_its_reverse_decrypts_them(world, label):
    model = next(m for m in ENCRYPTED if m._meta.label_lower == label)
    fields = ENCRYPTED[model]
    row = world[model]
    apps = _historical(label)
    old = apps.get_model(label)
    old.objects.filter(pk=row.pk).update(**dict.fromkeys(fields, SECRET))  # as stored before
    assert raw(model, row.pk, fields[0]) == SECRET

    encrypt_columns(label, fields)(apps, None)
    for field in fields:
        assert SECRET not in raw(model, row.pk, field)
        assert getattr(model.objects.get(pk=row.pk), field) == SECRET
    encrypt_columns(label, fields)(apps, None)  # twice changes nothing
    assert getattr(model.objects.get(pk=row.pk), fields[0]) == SECRET

    decrypt_columns(label, fields)(apps, None)
    assert [raw(model, row.pk, f) for f in fields] == [SECRET] * len(fields)
