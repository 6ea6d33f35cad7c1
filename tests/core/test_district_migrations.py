"""cases.0009, audit.0008 and audit.0009 give the rows written before them their case's or
child's district: run backwards and forwards again over rows already there, each row ends with
its parent's district, and the logs' chains (which leave the district out of their hash) still
hold. On PostgreSQL audit.0008 and audit.0009 fill the logs with their append-only triggers
switched off, and put back triggers that let the district alone change."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.cases.helpers import a_plan
from weibao.audit.chain import log_verify
from weibao.audit.models import AccessLog, AuditEvent
from weibao.audit.services import access_log_record
from weibao.cases.models import PlanVersion


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("before", "model", "parent"),
    [
        (("cases", "0008_encrypt_free_text"), PlanVersion, "case"),
        (("audit", "0007_fewer_indexes"), AccessLog, "child"),
        # The case's district, else the child's: the fixture's rows name a case or a child.
        (("audit", "0008_accesslog_district"), AuditEvent, "case"),
    ],
)
def test_the_rows_written_before_get_their_parents_district(
    case_a, director_a, before, model, parent
):
    a_plan(director_a, case_a)
    for _ in range(3):
        access_log_record(user=director_a, child=case_a.child, channel="web")
    count = model.objects.count()
    _migrate([before])
    try:
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
        assert "district_id" not in {c.name for c in columns}
    finally:
        _migrate(None)
    rows = list(model.objects.values_list("pk", "district_id", f"{parent}__district_id"))
    assert len(rows) == count
    # An audit row naming the child and no case has the child's district.
    child_only = set()
    if model is AuditEvent:
        child_only = set(model.objects.filter(case=None).exclude(child=None).values_list("pk"))
        assert child_only
    for pk, district, expected in rows:
        assert district == (case_a.child.district_id if (pk,) in child_only else expected)
    assert log_verify("access").ok and log_verify("audit").ok
