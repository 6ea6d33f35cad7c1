from django.core.management.base import BaseCommand

from weibao.duplicates.jobs import CHUNK, registry_scan


class Command(BaseCommand):
    help = (
        "Scan the registry once for possible duplicates (docs/domain.md §10): give every child "
        "registered before this feature its match keys and record the pairs found, in chunks. "
        "Safe to run again: decided pairs stay as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--district", type=int, help="Only this district (its area id).")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Children per transaction.")

    def handle(self, *args, district=None, chunk=CHUNK, **options) -> None:
        report = registry_scan(district_id=district, chunk=max(1, chunk))
        self.stdout.write(
            f"Children scanned: {report.children}; possible duplicates found: {report.pairs_found}"
        )
