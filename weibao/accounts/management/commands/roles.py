"""`weibao roles`: the server operator's way to grant the roles nobody in the product may grant
— the first district staff of a district, and the system administrator role — and to list who
holds what. Every grant and removal is audited like one made in the product, the command named
as the actor (docs/security.md)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.accounts.services import role_assignment_grant, role_assignment_revoke
from weibao.areas.models import Area
from weibao.core.operator import Operator

# The other roles are granted by district staff on /accounts/people/.
OPERATOR_ROLES = (Role.DISTRICT_STAFF, Role.SYSADMIN)


class Command(BaseCommand):
    help = (
        "List roles, or grant or revoke a district staff or system administrator role "
        "(audited). Other roles are granted by district staff on /accounts/people/."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Who holds which role, where.")
        for action in ("grant", "revoke"):
            p = sub.add_parser(action, help=f"{action.capitalize()} a role.")
            p.add_argument("username")
            p.add_argument("role", choices=[str(r) for r in OPERATOR_ROLES])
            p.add_argument("--area", help="The district's official code or name (district staff).")

    def handle(self, *args, action, **options):
        if action == "list":
            for line in role_lines():
                self.stdout.write(line)
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account has the username {options['username']!r}.")
        role = options["role"]
        area = _district(options["area"]) if role == Role.DISTRICT_STAFF else None
        operator = Operator(f"weibao roles {action}")
        try:
            if action == "grant":
                role_assignment_grant(actor=operator, user=user, role=role, area=area)
            else:
                assignment = RoleAssignment.objects.filter(user=user, role=role, area=area).first()
                if assignment is None:
                    raise CommandError("This account does not hold this role there.")
                role_assignment_revoke(actor=operator, assignment=assignment)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"{action}: {user.username} {role} {area.name if area else ''}".strip())


def _district(name_or_code: str | None) -> Area:
    if not name_or_code:
        raise CommandError("--area is required for district staff.")
    districts = Area.objects.filter(level=Area.Level.DISTRICT)
    area = districts.filter(Q(code=name_or_code) | Q(name=name_or_code)).first()
    if area is None:
        raise CommandError(f"No district has the code or name {name_or_code!r}.")
    return area


def role_lines() -> list[str]:
    rows = RoleAssignment.objects.select_related("user", "area").order_by(
        "area__name", "role", "user__username"
    )
    return [
        f"{ra.user.username}\t{ra.role}\t{ra.area.name if ra.area else '—'}"
        + ("" if ra.user.is_active else "\t(deactivated)")
        for ra in rows
    ]
