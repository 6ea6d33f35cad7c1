"""Guardian gets the child's district (docs/scale.md), as ChildCategory did in 0012: added
empty, filled from the child in one UPDATE, then required."""

import django.db.models.deletion
from django.db import migrations, models

from weibao.core.migration_helpers import district_filler

# One UPDATE … SET district_id = (SELECT district_id FROM children_child WHERE id = child_id).
fill_district = district_filler(model="children.Guardian", parent="children.Child", key="child_id")


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
