"""Service records and protection records now belong to the ledger and protection apps; their
tables keep their names (cases_servicerecord, cases_protectionrecord)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_service_record_void'),
    ]

    operations = [
        # The table stays where it is: only Django's idea of which app owns it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='child',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='community',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='district',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='provider_partner',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='provider_user',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='subdistrict',
                ),
                migrations.RemoveField(
                    model_name='servicerecord',
                    name='voided_by',
                ),
                migrations.DeleteModel(
                    name='ProtectionRecord',
                ),
                migrations.DeleteModel(
                    name='ServiceRecord',
                ),
            ],
        ),
    ]
