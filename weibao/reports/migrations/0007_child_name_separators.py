"""A report's child name saved before the separator of a minority name was normalised on input
keeps the look-alike it was typed with (古丽・努尔): it is written again as input writes it now
(core.text.normalize_name), like the children's names (children 0009). Not reversible in
content: which look-alike was typed is not kept (the reverse does nothing)."""

from django.db import migrations

from weibao.core.text import normalize_name

BATCH = 500


def normalise_child_names(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    pending = []
    rows = Report.objects.exclude(child_name="").only("pk", "child_name").order_by("pk")
    for row in rows.iterator(chunk_size=BATCH):
        name = normalize_name(row.child_name)
        if name != row.child_name:
            row.child_name = name
            pending.append(row)
        if len(pending) >= BATCH:
            Report.objects.bulk_update(pending, ["child_name"])
            pending = []
    if pending:
        Report.objects.bulk_update(pending, ["child_name"])


class Migration(migrations.Migration):
    dependencies = [
        ('reports', '0006_encrypt_free_text'),
    ]

    operations = [
        migrations.RunPython(normalise_child_names, migrations.RunPython.noop),
    ]
