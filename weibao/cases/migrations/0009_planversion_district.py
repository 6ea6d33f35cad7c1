"""PlanVersion gets its case's district (docs/scale.md), as children.ChildCategory got the
child's in children.0012: added empty, filled from the case in one UPDATE, then required; the
unique rule leads with it, so the reads by (district, case) are index reads."""

import django.db.models.deletion
from django.db import migrations, models

from weibao.core.migration_helpers import district_filler

# One UPDATE … SET district_id = (SELECT district_id FROM cases_case WHERE id = case_id).
fill_district = district_filler(model="cases.PlanVersion", parent="cases.Case", key="case_id")


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_area_closed_at"),
        ("cases", "0008_encrypt_free_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="planversion",
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
            model_name="planversion",
            name="district",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="planversion",
            name="plan_version_number_unique",
        ),
        migrations.AddConstraint(
            model_name="planversion",
            constraint=models.UniqueConstraint(
                fields=("district", "case", "number"), name="plan_version_number_unique"
            ),
        ),
    ]
