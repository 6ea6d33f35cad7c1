"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('cases', '0013_unique_rules_name_the_district'),
        ('children', '0016_unique_rules_name_the_district'),
        ('protection', '0002_encrypt_free_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='protectionrecord',
            name='protection_one_active_per_child',
        ),
        migrations.AddConstraint(
            model_name='protectionrecord',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('district', 'child'), name='protection_one_active_per_child'),
        ),
    ]
