"""The protectionrecord model, moved here from the cases app: its table (cases_protectionrecord) and its rows stay
as they are, and its content type (with its permissions) is renamed, not recreated."""

import django.db.models.deletion
import weibao.core.fields
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="cases", model="protectionrecord").update(app_label="protection")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('areas', '0001_initial'),
        ('cases', '0004_move_out_ledger_and_protection'),
        ('children', '0005_category_tally'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table stays where it is: only Django's idea of which app owns it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ProtectionRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ground', models.CharField(choices=[('wandering', 'Wandering or unidentified, and no guardian can be found (Art. 92.1)'), ('guardian_missing', 'Guardian missing or whereabouts unknown, with no substitute (Art. 92.2)'), ('guardian_unable', 'Guardian unable to care through objective causes or an emergency (Art. 92.3)'), ('guardian_neglect', 'Guardian refuses or neglects care, leaving the child uncared for (Art. 92.4)'), ('used_for_crime', 'Guardian uses the child for crime (Art. 92.5)'), ('harmed_by_guardian', 'Seriously harmed or threatened by the guardian, needing emergency placement (Art. 92.6)'), ('other_legal', 'Other cases provided by law (Art. 92.7)')], max_length=24, verbose_name='legal ground')),
                        ('placement', models.CharField(choices=[('relatives', 'With relatives'), ('foster_family', 'Foster family'), ('rescue_institution', 'Minor rescue-protection institution'), ('welfare_institution', 'Child-welfare institution')], max_length=24, verbose_name='placement')),
                        ('placement_detail', weibao.core.fields.EncryptedTextField(blank=True, verbose_name='placement details')),
                        ('started_on', models.DateField(verbose_name='start date')),
                        ('limit_on', models.DateField(verbose_name='one-year limit')),
                        ('limit_alert_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('capacity_assessed_on', models.DateField(blank=True, null=True, verbose_name='capacity assessed on')),
                        ('capacity_result', models.CharField(blank=True, choices=[('capable', 'Guardian able to care'), ('capable_with_support', 'Able to care with support'), ('not_capable', 'Not able to care')], max_length=24, verbose_name='capacity assessment')),
                        ('capacity_notes', models.TextField(blank=True, verbose_name='assessment notes')),
                        ('ended_on', models.DateField(blank=True, null=True, verbose_name='end date')),
                        ('end_reason', models.CharField(blank=True, choices=[('returned_home', 'Returned home to the guardian'), ('long_term', 'Long-term guardianship by civil affairs (Art. 94)'), ('other', 'Other')], max_length=16, verbose_name='how it ended')),
                        ('end_note', models.TextField(blank=True, verbose_name='note')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('capacity_assessed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='protections', to='cases.case')),
                        ('child', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='protections', to='children.child')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area', verbose_name='residential area')),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('subdistrict', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                    ],
                    options={
                        'verbose_name': 'protection record',
                        'verbose_name_plural': 'protection records',
                        'db_table': 'cases_protectionrecord',
                        'ordering': ['-started_on', '-id'],
                        'indexes': [models.Index(fields=['subdistrict', 'ended_on', 'limit_on'], name='cases_prote_subdist_a74151_idx'), models.Index(fields=['ended_on', 'limit_on'], name='cases_prote_ended_o_c05a99_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('ended_on__isnull', True)), fields=('child',), name='protection_one_active_per_child'), models.CheckConstraint(condition=models.Q(models.Q(('end_reason', 'returned_home'), _negated=True), ('capacity_assessed_on__isnull', False), _connector='OR'), name='protection_return_needs_assessment')],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, migrations.RunPython.noop),
    ]
