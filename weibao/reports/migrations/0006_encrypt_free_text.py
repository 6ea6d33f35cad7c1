"""More of a report's free text is encrypted at rest (EncryptedTextField): the "other" situation
of harm in the reporter's words, where it happened (often the child's home) and the outcome
message to the reporter. The first two were varchar(200) columns, too narrow for their
ciphertext: they become text columns first (their 200-character limit stays on the field, for
the forms and the API), then the rows are encrypted in place."""

import weibao.core.fields
from django.db import migrations, models

from weibao.core.fields import decrypt_columns, encrypt_columns


REPORT_FIELDS = ['other_situation', 'place', 'outcome_message']


class Migration(migrations.Migration):
    dependencies = [
        ('reports', '0005_encrypt_free_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='report',
            name='other_situation',
            field=models.TextField(blank=True, max_length=200, verbose_name='other situation'),
        ),
        migrations.AlterField(
            model_name='report',
            name='place',
            field=models.TextField(blank=True, max_length=200, verbose_name='where'),
        ),
        migrations.RunPython(
            encrypt_columns('reports.report', REPORT_FIELDS),
            decrypt_columns('reports.report', REPORT_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='report',
                    name='other_situation',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='other situation'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='outcome_message',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='outcome message to the reporter'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='place',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='where'),
                ),
            ],
        ),
    ]
