"""A chain head may move forward by several rows at once (audit.chain.chain_append_many: an
import's chunk appends its rows under one lock), but only forward, and only onto a row of its
log that is there with the hash the head records. The trigger of 0005 allowed one row at a time
and checked no hash."""

from importlib import import_module

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION weibao_chain_head_forward_only() RETURNS trigger AS $$
DECLARE
    written boolean;
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <= OLD.seq OR NEW.log <> OLD.log THEN
        RAISE EXCEPTION 'weibao: a chain head only moves forward: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.log = 'audit' THEN
        written := EXISTS (SELECT 1 FROM audit_auditevent WHERE seq = NEW.seq AND chain_hash = NEW.hash);
    ELSE
        written := EXISTS (SELECT 1 FROM audit_accesslog WHERE seq = NEW.seq AND chain_hash = NEW.hash);
    END IF;
    IF NOT written THEN
        RAISE EXCEPTION 'weibao: a chain head moves forward only onto a row written with its hash: % refused',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

# Going back: 0005's functions as they were (CREATE OR REPLACE, so running them again is safe).
ONE_AT_A_TIME = import_module("weibao.audit.migrations.0005_logs_append_only").CREATE


def replace(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_logs_append_only")]

    operations = [migrations.RunPython(replace(CREATE), replace(ONE_AT_A_TIME))]
