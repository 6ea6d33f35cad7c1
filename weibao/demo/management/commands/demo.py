from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from weibao.demo import data as demo


class Command(BaseCommand):
    help = (
        "Load the synthetic demo data (Changning's areas, demo accounts, children) if missing. "
        "Idempotent: run by `make run` on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--children",
            type=int,
            default=demo.DEFAULT_CHILDREN,
            help="How many synthetic children to register on the first load (default %(default)s).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even with WEIBAO_ENV=production (demo accounts share a known password).",
        )

    def handle(self, *args, children, allow_production, **options):
        if children < 0:
            raise CommandError("--children must be 0 or more.")
        if getattr(settings, "PRODUCTION", False) and not allow_production:
            raise CommandError(
                "Refusing to load demo data into a production instance: the demo accounts "
                "share a published password. Use --allow-production if you really mean it."
            )
        result = demo.load_demo(children=children)
        for line in demo.report_lines(result):
            self.stdout.write(line)
