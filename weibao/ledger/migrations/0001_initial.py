"""The servicerecord model, moved here from the cases app: its table (cases_servicerecord) and its rows stay
as they are, and its content type (with its permissions) is renamed, not recreated."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="cases", model="servicerecord").update(app_label="ledger")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('areas', '0001_initial'),
        ('cases', '0004_move_out_ledger_and_protection'),
        ('children', '0005_category_tally'),
        ('partners', '0002_partner_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table stays where it is: only Django's idea of which app owns it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ServiceRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('delivered_on', models.DateField(verbose_name='date')),
                        ('service_type', models.CharField(choices=[('guardianship_guidance', 'Family guardianship guidance'), ('education', 'Education support'), ('daily_care', 'Daily care'), ('psychological', 'Psychological counselling'), ('behaviour', 'Behaviour correction'), ('social_integration', 'Social integration'), ('legal_aid', 'Legal aid'), ('material', 'Material help'), ('temporary_care', 'Temporary care')], max_length=24, verbose_name='service')),
                        ('duration_minutes', models.PositiveIntegerField(verbose_name='duration (minutes)')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True)),
                        ('voided_at', models.DateTimeField(blank=True, null=True)),
                        ('void_reason', models.TextField(blank=True, verbose_name='reason for voiding')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_records', to='cases.case')),
                        ('child', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_records', to='children.child')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area', verbose_name='residential area')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                        ('provider_partner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='service_records', to='partners.partner', verbose_name='provided by (partner)')),
                        ('provider_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='provided by (staff)')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subdistrict', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                        ('voided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'service record',
                        'verbose_name_plural': 'service records',
                        'db_table': 'cases_servicerecord',
                        'ordering': ['-delivered_on', '-id'],
                        'indexes': [models.Index(fields=['subdistrict', 'delivered_on'], name='cases_servi_subdist_3e82de_idx'), models.Index(fields=['district', 'delivered_on'], name='cases_servi_distric_34e893_idx'), models.Index(fields=['case', 'delivered_on'], name='cases_servi_case_id_5355ea_idx'), models.Index(fields=['child', 'delivered_on'], name='cases_servi_child_i_c25e6e_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('provider_user__isnull', False), ('provider_partner__isnull', False), _connector='OR'), name='service_record_has_provider'), models.CheckConstraint(condition=models.Q(models.Q(('void_reason', ''), ('voided_at__isnull', True), ('voided_by__isnull', True)), models.Q(('voided_at__isnull', False), ('voided_by__isnull', False), models.Q(('void_reason', ''), _negated=True)), _connector='OR'), name='service_record_void_complete')],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, migrations.RunPython.noop),
    ]
