import datetime as dt
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from weibao.visits.jobs import DailyReport, run_daily

# In the order printed; "of which" lines are part of the line above.
LABELS = {
    "dues_created": "due visits created",
    "dues_moved": "due visits moved",
    "dues_cancelled": "due visits cancelled",
    "aged_out": "  of which: children who turned 18",
    "newly_overdue": "visits newly overdue (director told)",
    "overdue_over_7_days": "visits overdue > 7 days (supervisor told)",
    "notifications_sent": "notifications sent",
    "left_behind_16_flagged": "  of which: left-behind children turned 16",
}


def report_lines(today: dt.date, report: DailyReport) -> list[str]:
    """The daily job's report as printed by `weibao daily` and by `weibao serve`."""
    width = max(len(label) for label in LABELS.values())
    lines = [f"Daily job for {today.isoformat()}:"]
    counts = asdict(report)
    checks = counts.pop("checks")
    for key in [*LABELS, *(k for k in counts if k not in LABELS)]:
        lines.append(f"  {LABELS.get(key, key).ljust(width)}  {counts[key]:>6}")
    for name, count in checks.items():
        lines.append(f"  check: {name.replace('_', ' ').ljust(width - 7)}  {count:>6}")
    lines.append(f"Total records changed: {report.changed()}")
    return lines


def parse_date(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(
            f"--date must be a date written YYYY-MM-DD (e.g. 2026-03-01), not {value!r}."
        ) from None


class Command(BaseCommand):
    help = (
        "Run the daily job now: recompute every child's due visit, mark overdue visits and "
        "notify, cancel the visits of children who turned 18, flag left-behind children who "
        "turned 16. Idempotent: a second run on the same day changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Run as if today were this date (YYYY-MM-DD; for testing). Default: today.",
        )

    def handle(self, *args, date=None, **options):
        today = timezone.localdate() if date is None else parse_date(date)
        report = run_daily(today)
        for line in report_lines(today, report):
            self.stdout.write(line)
