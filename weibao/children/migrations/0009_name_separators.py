"""Names saved before the separator of a minority name was normalised on input keep the
look-alike they were typed with (买买提•艾力, 古丽・努尔): they are written again as input writes
them now (core.text.normalize_name), so that a search typed with "·" finds them. A child's
pinyin columns (the search by initials and the list order) are computed again from the new name
with the services' own function, so they stay what input would store. Guardians' names are
normalised the same way; a report's child name has its own migration (reports 0007).

Not reversible in content: which look-alike was typed is not kept (the reverse does nothing,
and the normalised names are valid as they are). The change is not an edit of anyone's file and
writes no audit row."""

from django.db import migrations

from weibao.children.pinyin import name_pinyin
from weibao.core.text import normalize_name

BATCH = 500


def _normalise(model, follow, columns):
    """Rewrite each `name` that normalising changes; `follow(row)` sets the `columns` that are
    computed from the name."""
    pending = []
    for row in model.objects.only("pk", "name").order_by("pk").iterator(chunk_size=BATCH):
        name = normalize_name(row.name)
        if name == row.name:
            continue
        row.name = name
        follow(row)
        pending.append(row)
        if len(pending) >= BATCH:
            model.objects.bulk_update(pending, ["name", *columns])
            pending = []
    if pending:
        model.objects.bulk_update(pending, ["name", *columns])


def _child_pinyin(child) -> None:
    child.name_initials, child.name_pinyin = name_pinyin(child.name)


def normalise_names(apps, schema_editor):
    _normalise(apps.get_model("children", "Child"), _child_pinyin, ["name_initials", "name_pinyin"])
    _normalise(apps.get_model("children", "Guardian"), lambda guardian: None, [])


class Migration(migrations.Migration):
    dependencies = [
        ('children', '0008_encrypt_free_text'),
    ]

    operations = [
        migrations.RunPython(normalise_names, migrations.RunPython.noop),
    ]
