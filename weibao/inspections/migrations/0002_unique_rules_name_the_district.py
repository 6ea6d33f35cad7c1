"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('children', '0016_unique_rules_name_the_district'),
        ('inspections', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='member',
            name='inspection_member_once_while_on_team',
        ),
        migrations.RemoveConstraint(
            model_name='team',
            name='inspection_team_one_per_community',
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(condition=models.Q(('left_on__isnull', True)), fields=('district', 'team', 'child'), name='inspection_member_once_while_on_team'),
        ),
        migrations.AddConstraint(
            model_name='team',
            constraint=models.UniqueConstraint(fields=('district', 'community'), name='inspection_team_one_per_community'),
        ),
    ]
