"""AuditEvent gets the district of its case, or of its child when it names no case
(docs/scale.md), as AccessLog got the child's in 0008: added empty and filled in one UPDATE. It stays nullable: a row about
neither a child nor a case (an account, an area, a job, an export) has no district.

As in 0008, the district moves with the child and the case (audit.services.audit_events_move),
so the hash chain leaves it out (audit.chain.NOT_HASHED: the rows written before keep the
content they were hashed with), and on PostgreSQL the audit log's append-only trigger (0005) is
replaced by one that lets an UPDATE through when it changes the district and nothing else. The
fill runs with that trigger switched off inside the migration's transaction, for the reason
0008 gives (the trigger's comparison of each row more than doubles an UPDATE of every row)."""

import django.db.models.deletion
from django.db import migrations, models

from weibao.core.migration_helpers import first_district_filler

# One UPDATE … SET district_id = COALESCE((SELECT district_id FROM cases_case WHERE id =
# case_id), (SELECT district_id FROM children_child WHERE id = child_id)): the case's, else the
# child's, else null (audit.services._district_of).
fill_district = first_district_filler(
    model="audit.AuditEvent",
    parents=[("cases.Case", "case_id"), ("children.Child", "child_id")],
)

TABLE = "audit_auditevent"
TRIGGER = f"{TABLE}_append_only"

# 0008's rule for the access log: every column but the district as it was (to_jsonb of the row
# less that key), so an UPDATE that leaves them all and changes the district passes; any other
# UPDATE, and every DELETE, is refused with 0005's message. A function of its own, so that
# either migration can be reversed alone.
CREATE = """
CREATE OR REPLACE FUNCTION weibao_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.district_id IS DISTINCT FROM OLD.district_id
        AND to_jsonb(NEW) - 'district_id' = to_jsonb(OLD) - 'district_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'weibao: % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def _trigger(function: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def district_may_move(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for sql in _trigger("weibao_audit_log_append_only"):
        schema_editor.execute(sql)


def nothing_may_change(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in _trigger("weibao_log_append_only"):  # 0005's
        schema_editor.execute(sql)
    schema_editor.execute("DROP FUNCTION IF EXISTS weibao_audit_log_append_only()")


def fill_district_quickly(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    fill_district(apps, schema_editor)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_area_closed_at"),
        ("audit", "0008_accesslog_district"),
        ("cases", "0010_case_list_indexes"),
        ("children", "0013_guardian_district"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.RunPython(district_may_move, nothing_may_change),
        migrations.RunPython(fill_district_quickly, migrations.RunPython.noop),
    ]
