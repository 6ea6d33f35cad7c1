"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('children', '0016_unique_rules_name_the_district'),
        ('visits', '0018_newest_indexes_hold_the_scope'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='visitdue',
            name='visit_due_one_open_per_child',
        ),
        migrations.AddConstraint(
            model_name='visitdue',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('district', 'child'), name='visit_due_one_open_per_child'),
        ),
    ]
