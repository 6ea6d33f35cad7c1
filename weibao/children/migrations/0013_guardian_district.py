"""Guardian gets the child's district (docs/scale.md), as ChildCategory did in 0012: added
empty, filled from the child in one UPDATE, then required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_district(apps, schema_editor):
    Child = apps.get_model("children", "Child")
    Guardian = apps.get_model("children", "Guardian")
    # One UPDATE … SET district_id = (SELECT district_id FROM children_child WHERE id = child_id),
    # which SQLite and PostgreSQL both run.
    district = Child.objects.filter(pk=OuterRef("child_id")).values("district_id")[:1]
    Guardian.objects.update(district_id=Subquery(district))


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0002_area_closed_at"),
        ("children", "0012_childcategory_district"),
    ]

    operations = [
        migrations.AddField(
            model_name="guardian",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.RunPython(fill_district, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="guardian",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
    ]
