"""The referral model, moved here from the partners app: its table (partners_referral) and its rows
stay as they are, and its content type (with its permissions) is renamed, not recreated."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="partners", model="referral").update(app_label="referrals")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('areas', '0001_initial'),
        ('cases', '0004_move_out_ledger_and_protection'),
        ('partners', '0003_move_out_referrals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table stays where it is: only Django's idea of which app owns it changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Referral',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('service_type', models.CharField(blank=True, choices=[('guardianship_guidance', 'Family guardianship guidance'), ('education', 'Education support'), ('daily_care', 'Daily care'), ('psychological', 'Psychological counselling'), ('behaviour', 'Behaviour correction'), ('social_integration', 'Social integration'), ('legal_aid', 'Legal aid'), ('material', 'Material help'), ('temporary_care', 'Temporary care')], max_length=24, verbose_name='service needed')),
                        ('reason', models.TextField(verbose_name='reason for the referral')),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('completed', 'Completed'), ('revoked', 'Revoked')], default='pending', max_length=10, verbose_name='state')),
                        ('accept_by', models.DateField(verbose_name='accept by')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('response_note', models.TextField(blank=True, verbose_name="partner's response")),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('feedback', models.TextField(blank=True, verbose_name="partner's feedback")),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('revoke_reason', models.TextField(blank=True, verbose_name='why it was revoked')),
                        ('overdue_notified_at', models.DateTimeField(blank=True, null=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='cases.case')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area', verbose_name='residential area')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='partners.partner')),
                        ('subdistrict', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area')),
                    ],
                    options={
                        'verbose_name': 'referral',
                        'verbose_name_plural': 'referrals',
                        'db_table': 'partners_referral',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['subdistrict', 'state', 'accept_by'], name='partners_re_subdist_9fb06c_idx'), models.Index(fields=['district', 'state', 'accept_by'], name='partners_re_distric_cdee0a_idx'), models.Index(fields=['partner', 'state'], name='partners_re_partner_f55fb7_idx'), models.Index(fields=['case', 'state'], name='partners_re_case_id_d269eb_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('state__in', ['pending', 'accepted'])), fields=('case', 'partner'), name='referral_one_live_per_case_partner')],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, migrations.RunPython.noop),
    ]
