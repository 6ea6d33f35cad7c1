"""The free text that holds health, family and harm details is encrypted at rest
(EncryptedTextField): the rows are encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


SERVICERECORD_FIELDS = ['notes']


class Migration(migrations.Migration):
    dependencies = [
        ('ledger', '0002_close_rules'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('ledger.servicerecord', SERVICERECORD_FIELDS),
            decrypt_columns('ledger.servicerecord', SERVICERECORD_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='servicerecord',
                    name='notes',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='notes'),
                ),
            ],
        ),
    ]
