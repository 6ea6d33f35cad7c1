"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0002_signup_status_label'),
        ('areas', '0002_area_closed_at'),
        ('children', '0015_id_number_registration'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='signup',
            name='signup_child_once',
        ),
        migrations.AddConstraint(
            model_name='signup',
            constraint=models.UniqueConstraint(condition=models.Q(('child__isnull', False)), fields=('district', 'activity', 'child'), name='signup_child_once'),
        ),
    ]
