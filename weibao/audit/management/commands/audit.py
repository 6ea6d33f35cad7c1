"""`weibao audit verify`: walk the hash chains of the audit log and of the access log."""

from django.core.management.base import BaseCommand, CommandError

from weibao.audit.chain import MODELS, district_names, log_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `verify` walks every hash chain of the audit log and of the access "
        "log (one per district, and the site's) from its first row and names the first row of "
        "each chain that was changed, deleted or moved."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="verify")
        verify = actions.add_parser("verify", help="Verify the hash chains of both logs.")
        verify.add_argument("--log", choices=sorted(MODELS), help="Only this log (default: both).")

    def handle(self, *args, action, log=None, **options):
        broken = []
        for name in [log] if log else list(MODELS):
            result = log_verify(name)
            chains = len(result.chains)
            if result.ok:
                self.stdout.write(
                    f"{name} log: {result.checked} rows in {chains} chains, every chain intact."
                )
            else:
                self.stdout.write(f"{name} log: {result.checked} rows verified in {chains} chains.")
                broken += [b.describe(district_names()) for b in result.broken]
        if broken:
            raise CommandError("BROKEN: " + "; ".join(broken))
