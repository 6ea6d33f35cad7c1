"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('children', '0016_unique_rules_name_the_district'),
        ('council', '0001_initial'),
        ('stations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='councilmember',
            name='council_member_once_per_term',
        ),
        migrations.AddConstraint(
            model_name='councilmember',
            constraint=models.UniqueConstraint(fields=('district', 'station', 'child', 'term_start'), name='council_member_once_per_term'),
        ),
    ]
