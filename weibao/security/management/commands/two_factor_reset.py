"""`weibao two_factor_reset <username> --reason "…"`: take away a person's two-factor devices
from the command line (the system administrator's own account, or a district without staff to
do it on the district page). Audited with the reason; the person sets it up again at their
next sign-in."""

from django.core.management.base import BaseCommand, CommandError

from weibao.accounts.models import User
from weibao.security.services import two_factor_reset_by_operator


class Command(BaseCommand):
    help = "Reset a person's two-factor sign-in (audited, with a reason)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why: kept in the audit log.")

    def handle(self, *args, username: str, reason: str, **options):
        if not reason.strip():
            raise CommandError("Give a reason.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        two_factor_reset_by_operator(user=user, reason=reason)
        self.stdout.write(f"Two-factor sign-in of {username} reset.")
