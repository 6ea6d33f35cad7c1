"""More of a child's free text is encrypted at rest (EncryptedTextField): the reason given for a
status (moved away, deceased …) and a guardian's notes. Both were varchar(200) columns, too
narrow for their ciphertext: they become text columns first (their 200-character limit stays
on the field, for the forms and the API), then the rows are encrypted in place."""

import weibao.core.fields
from django.db import migrations, models

from weibao.core.fields import decrypt_columns, encrypt_columns


CHILD_FIELDS = ['status_reason']
GUARDIAN_FIELDS = ['notes']


class Migration(migrations.Migration):
    dependencies = [
        ('children', '0007_child_anonymised_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='child',
            name='status_reason',
            field=models.TextField(blank=True, max_length=200, verbose_name='status reason'),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='notes',
            field=models.TextField(blank=True, max_length=200, verbose_name='notes'),
        ),
        migrations.RunPython(
            encrypt_columns('children.child', CHILD_FIELDS),
            decrypt_columns('children.child', CHILD_FIELDS),
        ),
        migrations.RunPython(
            encrypt_columns('children.guardian', GUARDIAN_FIELDS),
            decrypt_columns('children.guardian', GUARDIAN_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='child',
                    name='status_reason',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='status reason'),
                ),
                migrations.AlterField(
                    model_name='guardian',
                    name='notes',
                    field=weibao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='notes'),
                ),
            ],
        ),
    ]
