"""A referral's free text — why the child is referred, the partner's response and feedback, why
it was revoked — describes the child and the family: encrypted at rest (EncryptedTextField), the
rows encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


REFERRAL_FIELDS = ['reason', 'response_note', 'feedback', 'revoke_reason']


class Migration(migrations.Migration):
    dependencies = [
        ('referrals', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('referrals.referral', REFERRAL_FIELDS),
            decrypt_columns('referrals.referral', REFERRAL_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='referral',
                    name='feedback',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name="partner's feedback"),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='reason',
                    field=weibao.core.fields.EncryptedTextField(verbose_name='reason for the referral'),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='response_note',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name="partner's response"),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='revoke_reason',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='why it was revoked'),
                ),
            ],
        ),
    ]
