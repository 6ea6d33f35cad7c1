"""`weibao restore <archive>`: restore a backup into an empty instance and verify it."""

from django.core.management.base import BaseCommand, CommandError

from weibao.safekeeping.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `weibao backup` into this instance, which must be empty (a "
        "new database and var/ directory) and have the same keys; then check every table's "
        "row count and the audit chains against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .wbk file written by `weibao backup`.")

    def handle(self, *args, archive, **options):
        try:
            done = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        chains = ", ".join(f"{log} log {rows} rows" for log, rows in done.chains.items())
        self.stdout.write(
            f"Restored {archive}: {done.tables} tables, {done.rows} rows, {done.files} "
            f"uploaded files; every table's row count matches the backup.\n"
            f"Audit chains intact ({chains}).\n"
            "Run `weibao migrate` next if this version of weibao is newer than the backup."
        )
