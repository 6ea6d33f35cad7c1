# The hash chain of the two logs, step 3 of 3: every row has its number, and on PostgreSQL the
# database itself refuses to change or delete a log row, or to move a chain head backwards
# (docs/operations.md). SQLite has no such trigger: there the application has no path that
# changes them, and `weibao audit verify` shows any change made around it.

from django.db import migrations, models

LOG_TABLES = ("audit_auditevent", "audit_accesslog")

CREATE = """
CREATE OR REPLACE FUNCTION weibao_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'weibao: % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION weibao_chain_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <> OLD.seq + 1 OR NEW.log <> OLD.log THEN
        RAISE EXCEPTION 'weibao: a chain head only moves forward one row at a time: % refused',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

DROP = """
DROP FUNCTION IF EXISTS weibao_log_append_only();
DROP FUNCTION IF EXISTS weibao_chain_head_forward_only();
"""


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in LOG_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION weibao_log_append_only()"
        )
    schema_editor.execute(
        "CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE OR DELETE ON audit_chainhead "
        "FOR EACH ROW EXECUTE FUNCTION weibao_chain_head_forward_only()"
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in LOG_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_chainhead_forward_only ON audit_chainhead")
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_chain_existing_rows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
