"""`weibao audit verify`: walk the hash chains of the audit log and of the access log."""

from django.core.management.base import BaseCommand, CommandError

from weibao.audit.chain import MODELS, chain_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `verify` walks the hash chain of the audit log and of the access log "
        "from their first row and names the first row that was changed, deleted or moved."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="verify")
        verify = actions.add_parser("verify", help="Verify the hash chains of both logs.")
        verify.add_argument("--log", choices=sorted(MODELS), help="Only this log (default: both).")

    def handle(self, *args, action, log=None, **options):
        broken = []
        for name in [log] if log else list(MODELS):
            result = chain_verify(name)
            if result.ok:
                self.stdout.write(
                    f"{name} log: {result.checked} rows, chain intact (last seq {result.last_seq})."
                )
            else:
                self.stdout.write(f"{name} log: {result.checked} rows verified before the break.")
                broken.append(result.broken.describe())
        if broken:
            raise CommandError("BROKEN: " + "; ".join(broken))
