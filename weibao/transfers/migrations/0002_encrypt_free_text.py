"""A transfer's reason for the move and its decision note describe the family's circumstances:
encrypted at rest (EncryptedTextField), the rows encrypted in place, the column stays a text
column (the check that a refusal has a note still holds: an empty note is stored empty)."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


TRANSFER_FIELDS = ['reason', 'decision_note']


class Migration(migrations.Migration):
    dependencies = [
        ('transfers', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('transfers.transfer', TRANSFER_FIELDS),
            decrypt_columns('transfers.transfer', TRANSFER_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='transfer',
                    name='decision_note',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='decision note'),
                ),
                migrations.AlterField(
                    model_name='transfer',
                    name='reason',
                    field=weibao.core.fields.EncryptedTextField(verbose_name='reason for the move'),
                ),
            ],
        ),
    ]
