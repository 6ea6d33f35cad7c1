"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('cases', '0012_case_subdistrict_newest'),
        ('children', '0015_id_number_registration'),
        ('visits', '0018_newest_indexes_hold_the_scope'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='case',
            name='case_one_open_per_child',
        ),
        migrations.RemoveConstraint(
            model_name='casemember',
            name='case_member_once',
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.UniqueConstraint(condition=models.Q(('stage', 'closed'), _negated=True), fields=('district', 'child'), name='case_one_open_per_child'),
        ),
        migrations.AddConstraint(
            model_name='casemember',
            constraint=models.UniqueConstraint(fields=('district', 'case', 'user'), name='case_member_once'),
        ),
    ]
