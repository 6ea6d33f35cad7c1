"""The free text that holds health, family and harm details is encrypted at rest
(EncryptedTextField): the rows are encrypted in place, the column stays a text column."""

import weibao.core.fields
from django.db import migrations

from weibao.core.fields import decrypt_columns, encrypt_columns


CONCERN_FIELDS = ['description', 'handled_note']
VISIT_FIELDS = ['family_economy', 'findings', 'guardianship', 'next_steps', 'psychology', 'study']


class Migration(migrations.Migration):
    dependencies = [
        ('visits', '0009_visit_no_weekly_contact'),
    ]

    operations = [
        migrations.RunPython(
            encrypt_columns('visits.concern', CONCERN_FIELDS),
            decrypt_columns('visits.concern', CONCERN_FIELDS),
        ),
        migrations.RunPython(
            encrypt_columns('visits.visit', VISIT_FIELDS),
            decrypt_columns('visits.visit', VISIT_FIELDS),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='concern',
                    name='description',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='description'),
                ),
                migrations.AlterField(
                    model_name='concern',
                    name='handled_note',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='how it was handled'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='family_economy',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='family economy'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='findings',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='findings'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='guardianship',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='guardianship situation'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='next_steps',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='next steps'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='psychology',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='psychology and emotions'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='study',
                    field=weibao.core.fields.EncryptedTextField(blank=True, verbose_name='study'),
                ),
            ],
        ),
    ]
