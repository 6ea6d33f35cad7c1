"""The free text that holds health, family and harm details is encrypted at rest
(EncryptedTextField): the rows are encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


CASE_FIELDS = ['close_summary', 'risk_reasons', 'summary']


class Migration(migrations.Migration):
    dependencies = [
        ('cases', '0006_close_rules'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('cases.case', CASE_FIELDS),
            decrypt_columns('cases.case', CASE_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='close_summary',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='closing summary'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='risk_reasons',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='reasons for the risk level'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='summary',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='summary'),
                ),
            ],
        ),
    ]
