# The hash chain of the two logs, step 2 of 3: the rows written before it are chained in the
# order they were written (id order), and each log's head is set to its last row.

from django.db import migrations

from weibao.audit.hashing import link_hash

BATCH = 2000


def chain_rows(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    for log, name in (("audit", "AuditEvent"), ("access", "AccessLog")):
        model = apps.get_model("audit", name)
        names = [
            f.attname for f in model._meta.concrete_fields if f.attname not in {"id", "chain_hash"}
        ]
        seq, previous, last_id = 0, "", 0
        while rows := list(model.objects.filter(pk__gt=last_id).order_by("pk")[:BATCH]):
            for row in rows:
                seq += 1
                row.seq = seq
                row.chain_hash = link_hash(previous, log, {n: getattr(row, n) for n in names}, names)
                previous, last_id = row.chain_hash, row.pk
            model.objects.bulk_update(rows, ["seq", "chain_hash"])
        ChainHead.objects.update_or_create(log=log, defaults={"seq": seq, "hash": previous})


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_log_chain"),
    ]

    operations = [
        migrations.RunPython(chain_rows, migrations.RunPython.noop),
    ]
