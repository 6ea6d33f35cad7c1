"""The audit log and the access log become one chain per district and the site's
(docs/scale.md, "What changes in the code", point 3; audit.chain): each row gets `chain`, the
district it was written in, which never moves; `seq` becomes unique per chain; a head is kept
per chain, under the chain's label (ChainHead.log: `audit@<district>`).

Every row written before stays where it was hashed: in the site's chain (0, the column's
database default), whose content label is the log's name alone (audit.chain.label), and whose
heads keep their names, so no hash is computed again, `weibao audit verify` passes right after
the migration, and the code of before, running for a moment during the upgrade, goes on
writing into the site's chain (ChainHead's docstring). On PostgreSQL adding the columns changes
the catalogue only, and each unique rule is built once.

On PostgreSQL the heads' trigger (0005, 0006) learns the chain: a head stays on its chain and
moves forward only onto a row of that chain written with its hash.

Going back (an upgrade rolled back) makes each log one chain again: after checking that every
chain verifies (a broken chain is evidence, and linking its rows again would hide it: the
migration then stops and says which), every row is numbered and linked again in the order it
was written (id order, as 0004 did), under the log's name, and the districts' heads are
removed."""

from importlib import import_module

from django.db import migrations, models

from weibao.audit.hashing import link_hash

LOGS = (("audit", "AuditEvent", "audit_auditevent"), ("access", "AccessLog", "audit_accesslog"))
BATCH = 2000
# The columns a row's content covers (audit.chain.hashed_fields, as a migration may not import
# the app's code that imports its models).
NOT_HASHED = {"id", "chain_hash", "district_id", "chain"}

CREATE = """
CREATE OR REPLACE FUNCTION weibao_chain_head_forward_only() RETURNS trigger AS $$
DECLARE
    written boolean;
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq <= OLD.seq OR NEW.log <> OLD.log OR NEW.chain <> OLD.chain THEN
        RAISE EXCEPTION 'weibao: a chain head only moves forward: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF split_part(NEW.log, '@', 1) = 'audit' THEN
        written := EXISTS (SELECT 1 FROM audit_auditevent
                           WHERE chain = NEW.chain AND seq = NEW.seq AND chain_hash = NEW.hash);
    ELSE
        written := EXISTS (SELECT 1 FROM audit_accesslog
                           WHERE chain = NEW.chain AND seq = NEW.seq AND chain_hash = NEW.hash);
    END IF;
    IF NOT written THEN
        RAISE EXCEPTION 'weibao: a chain head moves forward only onto a row written with its hash: % refused',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

# Going back: 0006's function as it was.
ONE_CHAIN = import_module("weibao.audit.migrations.0006_chain_head_moves_to_a_written_row").CREATE


def replace(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def _label(log: str, chain: int) -> str:
    return log if chain == 0 else f"{log}@{chain}"


def _broken_chain(model, log: str, names: list[str]) -> str | None:
    """The first chain of `log` that does not verify from its first row, or None."""
    chain, seq, previous = None, 0, ""
    rows = model.objects.order_by("chain", "seq").values("chain", "seq", "chain_hash", *names)
    for row in rows.iterator(chunk_size=BATCH):
        if row["chain"] != chain:
            chain, seq, previous = row["chain"], 0, ""
        seq += 1
        expected = link_hash(previous, _label(log, chain), row, names)
        if row["seq"] != seq or expected != row["chain_hash"]:
            return f"{_label(log, chain)} at seq {seq}"
        previous = row["chain_hash"]
    return None


def _triggers(schema_editor, how: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # ALTER TABLE waits for no deferred foreign-key check of the updates before it.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _log, _name, table in LOGS:
            schema_editor.execute(f"ALTER TABLE {table} {how} TRIGGER USER")
        schema_editor.execute(f"ALTER TABLE audit_chainhead {how} TRIGGER USER")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def one_chain_again(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    models_ = {log: apps.get_model("audit", name) for log, name, _table in LOGS}
    names = {
        log: [f.attname for f in model._meta.concrete_fields if f.attname not in NOT_HASHED]
        for log, model in models_.items()
    }
    for log, model in models_.items():
        broken = _broken_chain(model, log, names[log])
        if broken:
            raise RuntimeError(
                f"the {log} log's chain {broken} does not verify: it is evidence, and going back "
                "would link its rows again. Keep a copy of the database (docs/operations.md)."
            )
    _triggers(schema_editor, "DISABLE")
    for log, model in models_.items():
        # Numbers above every chain's first, so the unique rule (chain, seq) holds meanwhile.
        top = (model.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
        seq, previous, last_id = 0, "", 0
        while rows := list(model.objects.filter(pk__gt=last_id).order_by("pk")[:BATCH]):
            for row in rows:
                seq += 1
                row.seq, row.chain = top + seq, 0
                content = {n: getattr(row, n) for n in names[log]} | {"seq": seq}
                row.chain_hash = link_hash(previous, log, content, names[log])
                previous, last_id = row.chain_hash, row.pk
            model.objects.bulk_update(rows, ["seq", "chain", "chain_hash"])
        model.objects.update(seq=models.F("seq") - top)
        ChainHead.objects.filter(log__startswith=f"{log}@").delete()
        ChainHead.objects.update_or_create(
            log=log, defaults={"chain": 0, "seq": seq, "hash": previous}
        )
    _triggers(schema_editor, "ENABLE")


class Migration(migrations.Migration):
    dependencies = [("audit", "0010_auditevent_own_district")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="chain",
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="chain",
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name="chainhead",
            name="log",
            field=models.CharField(max_length=40, unique=True),
        ),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="access_log_seq_once_in_chain"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_event_seq_once_in_chain"
            ),
        ),
        migrations.RunPython(replace(CREATE), replace(ONE_CHAIN)),
        migrations.RunPython(migrations.RunPython.noop, one_chain_again),
    ]
