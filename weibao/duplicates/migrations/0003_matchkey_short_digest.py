from django.db import migrations, models

# The stored digests keep their first 16 hex digits, which is what duplicates.matching._digest
# now writes and looks up. Going back cannot give the digits back: the keys are removed, and
# `python manage.py duplicates_scan` writes them again at full length.


class Migration(migrations.Migration):
    dependencies = [
        ("duplicates", "0002_matchkey_fewer_checks_and_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE duplicates_matchkey SET digest = substr(digest, 1, 16)",
            reverse_sql="DELETE FROM duplicates_matchkey",
        ),
        migrations.AlterField(
            model_name="matchkey",
            name="digest",
            field=models.CharField(max_length=16),
        ),
    ]
