"""The unique rules of this app's district-keyed tables name the district first (docs/scale.md,
"What changes in the code", point 7): a table split by district — PostgreSQL's partitions, Citus's
shards — keeps a unique index only if it holds the district. The rule is the same one: each
row's district is a copy of its child's, case's or place's, which the rule already names. The
index also serves the reads, which name the district (point 1)."""

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
