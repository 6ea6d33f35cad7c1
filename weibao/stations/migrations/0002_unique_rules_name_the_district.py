"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('stations', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='workstation',
            name='station_one_operating_per_subdistrict',
        ),
        migrations.AddConstraint(
            model_name='workstation',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'operating')), fields=('district', 'subdistrict'), name='station_one_operating_per_subdistrict'),
        ),
    ]
