# The kinds of the transfers app (a child who moves to another 居民区). Numbered high: other
# branches add notification kinds too, and a merge migration joins them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_alter_notification_kind'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('visit_overdue', 'Visit overdue'), ('visit_overdue_7', 'Visit overdue by more than 7 days'), ('concern_raised', 'Concern raised'), ('left_behind_16', 'Left-behind child turned 16: review the category'), ('report_received', 'New mandatory report'), ('report_late', 'Report clock missed'), ('case_assigned', 'Case assigned to you'), ('case_close_requested', 'Case closing awaits approval'), ('case_close_decided', 'Case closing decided'), ('referral_overdue', 'Referral not answered in time'), ('protection_limit', 'Temporary guardianship nears its one-year limit'), ('transfer_requested', 'Transfer awaits your decision'), ('transfer_decided', 'Transfer decided'), ('transfer_arrived', 'A child moved into your area')], max_length=24),
        ),
    ]
