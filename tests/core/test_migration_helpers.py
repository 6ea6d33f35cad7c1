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
from weibao.audit.models import AccessLog
from weibao.audit.services import access_log_record
from weibao.cases.models import PlanVersion
from weibao.children.models import ChildCategory, Guardian

# (migration, the model it fills, the foreign key whose row gives the district)
FILLS = [
    ("weibao.children.migrations.0012_childcategory_district", ChildCategory, "child"),
    ("weibao.children.migrations.0013_guardian_district", Guardian, "child"),
    ("weibao.cases.migrations.0009_planversion_district", PlanVersion, "case"),
    ("weibao.audit.migrations.0008_accesslog_district", AccessLog, "child"),
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
