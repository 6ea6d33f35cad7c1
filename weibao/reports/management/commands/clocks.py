from django.core.management.base import BaseCommand

from weibao.reports.jobs import check_clocks

# In the order printed.
LABELS = {
    "ack_late": "reports not acknowledged in time (escalated)",
    "police_late": "police notifications late (escalated)",
    "outcome_late": "outcome messages late (escalated)",
    "notifications_sent": "notifications sent",
    "protection_alerts": "protection one-year alerts",
    "referral_alerts": "referral deadline alerts",
}


def clock_lines(counts: dict[str, int]) -> list[str]:
    """The clocks job's counts as printed by `weibao clocks` and by `weibao serve`."""
    width = max(len(label) for label in LABELS.values())
    lines = ["Report clocks:"]
    for key in [*LABELS, *(k for k in counts if k not in LABELS)]:
        lines.append(f"  {LABELS.get(key, key).ljust(width)}  {counts.get(key, 0):>6}")
    return lines


class Command(BaseCommand):
    help = (
        "Check the mandatory-report clocks now: escalate to the district every report whose "
        "acknowledgement, police notification or outcome message is past due (once each), and "
        "run the protection and referral alerts. Idempotent; runs every 5 minutes by itself."
    )

    def handle(self, *args, **options):
        for line in clock_lines(check_clocks()):
            self.stdout.write(line)
