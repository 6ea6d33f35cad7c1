"""`weibao figures`: count the dashboards' figures now (the clocks job does it every few
minutes); `--backfill N` counts and freezes the N months before this one where they were never
counted (a new installation)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from weibao.dashboards.services import figures_backfill, figures_keep


class Command(BaseCommand):
    help = "Count the dashboards' figures of the running month (and freeze last month's)."

    def add_arguments(self, parser):
        parser.add_argument("--backfill", type=int, default=0, metavar="N")

    def handle(self, *args, backfill: int, **options):
        today = timezone.localdate()
        if backfill:
            done = figures_backfill(months=min(backfill, 36), today=today)
            self.stdout.write(f"months counted and frozen: {done}")
        for name, n in figures_keep(today=today).items():
            self.stdout.write(f"{name}: {n}")
