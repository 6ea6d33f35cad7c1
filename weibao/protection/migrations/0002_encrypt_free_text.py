"""The notes of a temporary guardianship — what the guardianship-capacity assessment found, how
it ended — hold family and harm details: encrypted at rest (EncryptedTextField), the rows
encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


PROTECTION_FIELDS = ['capacity_notes', 'end_note']


class Migration(migrations.Migration):
    dependencies = [
        ('protection', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('protection.protectionrecord', PROTECTION_FIELDS),
            decrypt_columns('protection.protectionrecord', PROTECTION_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='protectionrecord',
                    name='capacity_notes',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='assessment notes'),
                ),
                migrations.AlterField(
                    model_name='protectionrecord',
                    name='end_note',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='note'),
                ),
            ],
        ),
    ]
