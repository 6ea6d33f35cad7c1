"""Leave a tenth of each page of visits_visitdue free on PostgreSQL, so that the daily job's
updates of overdue_level (a column in no index) can stay on the page as heap-only tuples instead
of writing a new entry into each of the table's indexes. SQLite has no such setting."""

from django.db import migrations

FILLFACTOR = 90


def set_fillfactor(value):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("visits", "VisitDue")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_visitdue_based_on")]

    operations = [migrations.RunPython(set_fillfactor(FILLFACTOR), set_fillfactor(100))]
