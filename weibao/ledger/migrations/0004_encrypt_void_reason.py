"""Why a service record was voided is free text about the service and so about the child:
encrypted at rest (EncryptedTextField), the rows encrypted in place, the column stays a text
column (the check that a voided record has a reason still holds: an empty reason is stored
empty)."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


SERVICERECORD_FIELDS = ['void_reason']


class Migration(migrations.Migration):
    dependencies = [
        ('ledger', '0003_encrypt_free_text'),
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
                    name='void_reason',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='reason for voiding'),
                ),
            ],
        ),
    ]
