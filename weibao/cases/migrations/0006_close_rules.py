"""Closing rules (docs/domain.md §7.5, §7.7): a cancelled planned service's reason, the reason a
case closes for no protection need, when the case entered 跟踪 (the follow-up visits count from
then), and each district's number of follow-up visits.

Numbered 0006 on purpose (0005 is another change's); the chain is mended when both are merged.
A case in 跟踪 today, or waiting for approval after it, gets its tracking_since from the audit row
of its last "case.track", so that its follow-up visits count as they would have."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def backfill_tracking_since(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    in_follow_up = Case.objects.filter(
        models.Q(stage="tracking") | models.Q(stage="closing", stage_before_closing="tracking")
    )
    for case in in_follow_up.iterator():
        last = (
            AuditEvent.objects.filter(case_id=case.pk, action="case.track")
            .order_by("-at", "-id")
            .values_list("at", flat=True)
            .first()
        )
        if last is not None:
            Case.objects.filter(pk=case.pk).update(tracking_since=last)


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('audit', '0002_auditevent_case_and_more'),
        ('cases', '0005_case_team'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='close_no_need_reason',
            field=models.CharField(blank=True, choices=[('no_harm_found', 'The assessment found no harm and no risk'), ('care_restored', 'The family again cares for the child properly'), ('other_agency', 'Another agency has taken the child over'), ('moved_away', 'The child has moved out of the district'), ('other', 'Other (explain it in the closing summary)')], db_index=True, max_length=16, verbose_name='no protection need'),
        ),
        migrations.AddField(
            model_name='case',
            name='tracking_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='plannedservice',
            name='cancel_reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='reason for cancelling'),
        ),
        migrations.CreateModel(
            name='CasePolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('follow_up_visits', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='home visits the follow-up needs before closing')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('district', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='case_policy', to='areas.area')),
            ],
            options={
                'verbose_name': 'closing rules',
                'verbose_name_plural': 'closing rules',
            },
        ),
        migrations.RunPython(backfill_tracking_since, migrations.RunPython.noop),
    ]
