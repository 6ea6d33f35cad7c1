"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('children', '0016_unique_rules_name_the_district'),
        ('duplicates', '0003_matchkey_short_digest'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='possibleduplicate',
            name='duplicate_pair_unique',
        ),
        migrations.AddConstraint(
            model_name='possibleduplicate',
            constraint=models.UniqueConstraint(fields=('district', 'child', 'other'), name='duplicate_pair_unique'),
        ),
    ]
