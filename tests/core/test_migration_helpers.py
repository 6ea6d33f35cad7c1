"""The migrations that give a child's or a case's rows their district fill it through one shared
step (core.migration_helpers.fill_district_from): one UPDATE, each row given the district of
the row it belongs to."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.helpers import a_plan
from weibao.areas.models import Area
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.services import access_log_record, audit_job, audit_record
from weibao.cases.models import Case, PlanVersion
from weibao.children.models import ChildCategory, Guardian
from weibao.core.migration_helpers import fill_district_from_first

# (migration, the model it fills, the foreign key whose row gives the district)
FILLS = [
    ("weibao.children.migrations.0012_childcategory_district", ChildCategory, "child"),
    ("weibao.children.migrations.0013_guardian_district", Guardian, "child"),
    ("weibao.cases.migrations.0009_planversion_district", PlanVersion, "case"),
    ("weibao.audit.migrations.0008_accesslog_district", AccessLog, "child"),
    # Its rows name a case (and the child) or the child alone: the case's district, else the
    # child's (the test below tells the two apart).
    ("weibao.audit.migrations.0009_auditevent_district", AuditEvent, "child"),
]


@pytest.mark.parametrize(("migration", "model", "parent"), FILLS)
def test_each_row_is_filled_with_its_parents_district_in_one_update(
    case_a, director_a, child_b, migration, model, parent
):
    a_plan(director_a, case_a)
    access_log_record(user=director_a, child=case_a.child, channel="web")
    elsewhere = Area.objects.create(name="徐汇区", level="district").pk
    # As if not yet filled (on PostgreSQL the access log lets the district alone change).
    model.objects.update(district_id=elsewhere)
    with CaptureQueriesContext(connection) as ctx:
        importlib.import_module(migration).fill_district(apps, None)
    (update,) = [q["sql"] for q in ctx.captured_queries]
    assert update.startswith("UPDATE") and "SELECT" in update  # the subquery
    rows = model.objects.values_list("district_id", f"{parent}__district_id")
    assert rows and all(district == expected for district, expected in rows)


def test_a_row_of_several_parents_gets_the_district_of_the_first_it_names(
    case_a, child_b, director_a
):
    """fill_district_from_first (audit.0009): the case's district, else the child's, else
    none — still one UPDATE."""
    elsewhere = Area.objects.create(name="徐汇区", level="district").pk
    Case.objects.filter(pk=case_a.pk).update(district_id=elsewhere)  # to tell the two apart
    audit_record(actor=director_a, action="case.test", obj=case_a, child=case_a.child, case=case_a)
    audit_record(actor=director_a, action="child.test", obj=child_b, child=child_b)
    audit_job(action="job.test", run="2026-01-01", changes={})
    # As if not yet filled: a district none of them has (on PostgreSQL the audit log lets the
    # district alone change, and only to another value).
    AuditEvent.objects.update(district_id=Area.objects.create(name="闵行区", level="district").pk)
    with CaptureQueriesContext(connection) as ctx:
        fill_district_from_first(
            apps,
            model="audit.AuditEvent",
            parents=[("cases.Case", "case_id"), ("children.Child", "child_id")],
        )
    (update,) = [q["sql"] for q in ctx.captured_queries]
    assert update.startswith("UPDATE") and update.count("SELECT") == 2
    districts = dict(AuditEvent.objects.values_list("action", "district_id"))
    assert districts["case.test"] == elsewhere
    assert districts["child.test"] == child_b.district_id
    assert districts["job.test"] is None
