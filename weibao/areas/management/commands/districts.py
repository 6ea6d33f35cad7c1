"""`weibao districts`: the server operator's way to make a district (区/县), the one area no one
in the product may create — on a new installation, before its first district staff are granted
(`weibao roles grant … --area CODE`: docs/deploy.md). Audited, the command named as the actor.
Its 街镇 and 居民区 are created by its district staff under 区域管理."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from weibao.areas.models import Area
from weibao.areas.services import district_create
from weibao.core.operator import Operator


class Command(BaseCommand):
    help = "List the districts, or add one (its official 6-digit code and its name; audited)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="The districts: code, name, and how many 街镇 each has.")
        add = sub.add_parser("add", help="Add a district.")
        add.add_argument("code", help="The official code (统计用区划代码), 6 digits: 310105.")
        add.add_argument("name", help="The name: 长宁区.")

    def handle(self, *args, action, **options):
        if action == "list":
            self.stdout.write("code\tname\tsub-districts and towns")
            for district in Area.objects.filter(level=Area.Level.DISTRICT).order_by("code"):
                below = Area.objects.filter(parent=district, closed_at__isnull=True).count()
                self.stdout.write(f"{district.code}\t{district.name}\t{below}")
            return
        try:
            district = district_create(
                actor=Operator("weibao districts add"), name=options["name"], code=options["code"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"added: {district.code} {district.name}")
