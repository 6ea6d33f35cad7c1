"""AccessLog gets the child's district (docs/scale.md), as children.Guardian got it in
children.0013: added empty, filled from the child in one UPDATE, then required.

The district moves with the child (audit.services.access_log_move), so it is the one column of
a log row that may change: the hash chain leaves it out (audit.chain.NOT_HASHED: the rows
written before keep the content they were hashed with), and on PostgreSQL the access log's
append-only trigger (0005) is replaced by one that lets an UPDATE through when it changes the
district and nothing else. The audit log keeps 0005's trigger.

The fill is such an UPDATE and would pass the trigger, but the trigger's comparison of each row
more than doubles its time (1,000,000 rows on PostgreSQL on this machine: 19.3 s through the
trigger, 8.3 s without, medians of 3; docs/scale.md), so on PostgreSQL it runs with the
trigger switched off. Inside the migration's transaction: ALTER TABLE holds the table's lock
until the commit, so no other writer ever sees the table without it."""

import django.db.models.deletion
from django.db import migrations, models

from weibao.core.migration_helpers import district_filler

# One UPDATE … SET district_id = (SELECT district_id FROM children_child WHERE id = child_id).
fill_district = district_filler(model="audit.AccessLog", parent="children.Child", key="child_id")

TABLE = "audit_accesslog"
TRIGGER = f"{TABLE}_append_only"

# Every column but the district as it was (to_jsonb of the row less that key): an UPDATE that
# leaves them all and changes the district passes; any other UPDATE, and every DELETE, is
# refused with 0005's message.
CREATE = """
CREATE OR REPLACE FUNCTION weibao_access_log_append_only() RETURNS trigger AS $$
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
    for sql in _trigger("weibao_access_log_append_only"):
        schema_editor.execute(sql)


def nothing_may_change(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in _trigger("weibao_log_append_only"):  # 0005's, which the audit log still uses
        schema_editor.execute(sql)
    schema_editor.execute("DROP FUNCTION IF EXISTS weibao_access_log_append_only()")


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
        ("audit", "0007_fewer_indexes"),
        ("children", "0013_guardian_district"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
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
        migrations.AlterField(
            model_name="accesslog",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
    ]
