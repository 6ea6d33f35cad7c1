"""Referrals now belong to the referrals app; their table keeps its name (partners_referral)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0002_partner_version'),
    ]

    operations = [
        # The table stays where it is: only Django's idea of which app owns it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Referral',
                ),
            ],
        ),
    ]
