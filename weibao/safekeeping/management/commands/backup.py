"""`weibao backup`: an encrypted, checksummed archive of the database and the uploaded files."""

from django.core.management.base import BaseCommand, CommandError

from weibao.safekeeping.backup import BackupError, backup_make


class Command(BaseCommand):
    help = (
        "Write an encrypted, checksummed backup of the database and the uploaded files (with "
        "the keys' fingerprints, never the keys). Default: var/backups/weibao-<time>.wbk, and "
        "its SHA-256 beside it in <file>.sha256. See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="The archive to write (default: var/backups/).")

    def handle(self, *args, output=None, **options):
        try:
            made = backup_make(target=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(made.tables.values())
        self.stdout.write(
            f"Backup written: {made.path}\n"
            f"  {len(made.tables)} tables, {rows} rows, {made.files} uploaded files\n"
            f"  SHA-256 {made.sha256} (in {made.path.name}.sha256)\n"
            "Copy both files off this machine; keep the keys elsewhere (docs/operations.md)."
        )
