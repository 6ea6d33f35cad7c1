"""The free text that holds health, family and harm details is encrypted at rest
(EncryptedTextField): the rows are encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


CHILD_FIELDS = ['family_situation', 'health_notes', 'notes']


class Migration(migrations.Migration):
    dependencies = [
        ('children', '0005_category_tally'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('children.child', CHILD_FIELDS),
            decrypt_columns('children.child', CHILD_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='child',
                    name='family_situation',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='family situation'),
                ),
                migrations.AlterField(
                    model_name='child',
                    name='health_notes',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='health notes'),
                ),
                migrations.AlterField(
                    model_name='child',
                    name='notes',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='notes'),
                ),
            ],
        ),
    ]
