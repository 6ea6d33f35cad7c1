"""More of a case's free text is encrypted at rest (EncryptedTextField): why a case is
restricted (e.g. a director related to the family), the plan's goals and what changed in it, a
planned service's details and why it was cancelled. The rows are encrypted in place. The plan's
short texts were varchar(300) columns, too narrow for their ciphertext: they become text columns
first (their 300-character limit stays on the field, for the forms and the API)."""

import weibao.core.fields
from django.db import migrations, models

from weibao.core.fields import decrypt_columns, encrypt_columns


CASE_FIELDS = ['restricted_reason']
PLANVERSION_FIELDS = ['goals', 'change_note']
PLANNEDSERVICE_FIELDS = ['description', 'cancel_reason']


class Migration(migrations.Migration):
    dependencies = [
        ('cases', '0007_encrypt_free_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='planversion',
            name='change_note',
            field=models.TextField(blank=True, max_length=300, verbose_name='what changed and why'),
        ),
        migrations.AlterField(
            model_name='plannedservice',
            name='description',
            field=models.TextField(blank=True, max_length=300, verbose_name='details'),
        ),
        migrations.AlterField(
            model_name='plannedservice',
            name='cancel_reason',
            field=models.TextField(blank=True, max_length=300, verbose_name='reason for cancelling'),
        ),
        migrations.RunPython(
            encrypt_columns('cases.case', CASE_FIELDS),
            decrypt_columns('cases.case', CASE_FIELDS),
        ),
        migrations.RunPython(
            encrypt_columns('cases.planversion', PLANVERSION_FIELDS),
            decrypt_columns('cases.planversion', PLANVERSION_FIELDS),
        ),
        migrations.RunPython(
            encrypt_columns('cases.plannedservice', PLANNEDSERVICE_FIELDS),
            decrypt_columns('cases.plannedservice', PLANNEDSERVICE_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='restricted_reason',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='reason for the restriction'),
                ),
                migrations.AlterField(
                    model_name='plannedservice',
                    name='cancel_reason',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='reason for cancelling'),
                ),
                migrations.AlterField(
                    model_name='plannedservice',
                    name='description',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='details'),
                ),
                migrations.AlterField(
                    model_name='planversion',
                    name='change_note',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='what changed and why'),
                ),
                migrations.AlterField(
                    model_name='planversion',
                    name='goals',
                    field=weibao.core.fields.EncryptedTextField(verbose_name='goals'),
                ),
            ],
        ),
    ]
