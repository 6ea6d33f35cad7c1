"""`weibao keys rotate` and `weibao keys status`: the field keys (docs/operations.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from weibao.core import crypto
from weibao.safekeeping.rotation import (
    DEFAULT_BATCH,
    KeyStatus,
    TableKeys,
    keys_rotate,
    keys_status,
)


class Command(BaseCommand):
    help = (
        "Field-key tools. `rotate` re-encrypts every encrypted value to the first key of "
        "WEIBAO_FIELD_KEYS, in batches (resumable: run it again after an interruption); `status` "
        "counts per table the values under each key and names the tables that still need an "
        "older key. See docs/operations.md."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="rotate|status")
        rotate = actions.add_parser("rotate", help="Re-encrypt every value to the first key.")
        rotate.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help=f"Rows per transaction (default {DEFAULT_BATCH}).",
        )
        actions.add_parser("status", help="Which key each stored value is under, per table.")

    def handle(self, *args, action, batch=DEFAULT_BATCH, **options):
        self._keys()
        if action == "rotate":
            self._rotate(batch)
        else:
            self._status(keys_status())

    def _keys(self) -> None:
        fingerprints = crypto.field_key_fingerprints()
        described = [
            f"key {n} {fp}" + (" (encrypts)" if n == 1 else " (decrypts only)")
            for n, fp in enumerate(fingerprints, start=1)
        ]
        self.stdout.write(f"Field keys: {', '.join(described)}.")

    def _rotate(self, batch: int) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if len(settings.FIELD_ENCRYPTION_KEYS) == 1:
            self.stdout.write(
                "Only one field key is configured: values are re-encrypted to it only if they "
                "are under no key. To rotate, put the new key first in WEIBAO_FIELD_KEYS."
            )

        def progress(table: str, done: int, total: int) -> None:
            self.stdout.write(f"  {table}: {done}/{total} rows")

        done = keys_rotate(batch=batch, progress=progress)
        for table in done.tables:
            self.stdout.write(
                f"{table.table}: {table.rows} rows, {table.values} values: {table.rewritten} "
                f"re-encrypted, {table.current} already under key 1"
                + (f", {table.unreadable} under no key" if table.unreadable else "")
                + (
                    f", {table.changed_meanwhile} rows changed meanwhile (run again)"
                    if table.changed_meanwhile
                    else ""
                )
            )
        for table in done.skipped_append_only:
            self.stdout.write(f"{table}: append-only, its values stay under their key.")
        self.stdout.write(
            f"Done: {done.rewritten} values re-encrypted to key 1 ({done.key}). "
            "Run `weibao keys status` to see whether an older key is still needed."
        )
        if done.unreadable:
            raise CommandError(
                f"{done.unreadable} values are under none of the configured keys: the key they "
                "were written with is missing from WEIBAO_FIELD_KEYS. They were left as they are."
            )

    def _row(self, tally: TableKeys) -> str:
        counts = "  ".join(f"{n:>7}" for n in tally.per_key)
        return f"{tally.table:<34}{tally.values:>8}  {counts}  {tally.unreadable:>10}"

    def _status(self, status: KeyStatus) -> None:
        keys = "  ".join(f"{'key ' + str(n):>7}" for n in range(1, len(status.fingerprints) + 1))
        header = f"{'table':<34}{'values':>8}  {keys}  {'under none':>10}"
        self.stdout.write("Encrypted fields (`keys rotate` re-encrypts them):")
        self.stdout.write(header)
        for tally in status.encrypted:
            self.stdout.write(self._row(tally))
        if status.elsewhere:
            self.stdout.write(
                "Encrypted values inside other columns (`keys rotate` cannot rewrite them):"
            )
            self.stdout.write(header)
            for tally in status.elsewhere:
                self.stdout.write(self._row(tally))
        needing = status.needing_old_keys()
        if not needing:
            self.stdout.write("No table needs an older key: every value is under key 1.")
            if len(status.fingerprints) > 1:
                self.stdout.write(
                    "Keep an older key while a backup made before the rotation is kept (its "
                    "data is under that key); then remove it from WEIBAO_FIELD_KEYS."
                )
            return
        for tally in needing:
            keys_needed = ", ".join(f"key {n}" for n in tally.old_keys_needed())
            if tally.rewritable:
                why = "run `weibao keys rotate`"
            elif tally.append_only:
                why = "append-only log: its values are never rewritten, keep the key"
            else:
                why = "not an encrypted field: keep the key"
            self.stdout.write(f"{tally.table} still needs {keys_needed} ({why}).")
        if any(t.unreadable for t in status.encrypted):
            raise CommandError("Some values are under none of the configured keys.")
