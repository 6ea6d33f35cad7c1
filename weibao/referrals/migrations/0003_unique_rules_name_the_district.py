"""The unique rules name the district first: docs/scale.md, "What changes in the code", 7."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_closed_at'),
        ('cases', '0013_unique_rules_name_the_district'),
        ('partners', '0003_move_out_referrals'),
        ('referrals', '0002_encrypt_free_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='referral',
            name='referral_one_live_per_case_partner',
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['pending', 'accepted'])), fields=('district', 'case', 'partner'), name='referral_one_live_per_case_partner'),
        ),
    ]
