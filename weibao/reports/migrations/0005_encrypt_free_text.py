"""The free text that holds health, family and harm details is encrypted at rest
(EncryptedTextField): the rows are encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


REPORT_FIELDS = ['description']


class Migration(migrations.Migration):
    dependencies = [
        ('reports', '0004_report_no_case_reason'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('reports.report', REPORT_FIELDS),
            decrypt_columns('reports.report', REPORT_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='report',
                    name='description',
                    field=weibao.core.fields.EncryptedTextField(verbose_name='what happened'),
                ),
            ],
        ),
    ]
