"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('children', '0015_id_number_registration'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='categorytally',
            name='category_tally_unique',
        ),
        migrations.AddConstraint(
            model_name='categorytally',
            constraint=models.UniqueConstraint(fields=('district', 'community', 'key'), name='category_tally_unique'),
        ),
    ]
