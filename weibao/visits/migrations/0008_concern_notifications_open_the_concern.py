"""A concern's notification opens the concern (the page where it is handled or made into a
report), not its visit: the notifications already sent with a visit's link are pointed at the
concern named in their key ("concern:<id>", visits.services._notify_concerns)."""

from django.db import migrations

KEY_PREFIX = "concern:"


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    stale = Notification.objects.filter(kind="concern_raised", key__startswith=KEY_PREFIX).exclude(
        url__startswith="/concerns/"
    )
    rows = []
    for notification in stale.only("pk", "key", "url").iterator(chunk_size=2000):
        concern_id = notification.key[len(KEY_PREFIX) :]
        if concern_id.isdigit():
            notification.url = f"/concerns/{concern_id}/"
            rows.append(notification)
    Notification.objects.bulk_update(rows, ["url"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0007_visit_draft_tab"),
        ("notifications", "0003_alter_notification_kind"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
