"""`weibao retention`: anonymise the files whose retention period has run out
(docs/domain.md §9.5, docs/operations.md); `--dry-run` lists them and changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from weibao.areas.models import Area
from weibao.safekeeping.retention import due_files, held_back, retention_run


class Command(BaseCommand):
    help = (
        "Anonymise the children's files whose district's retention period has run out since "
        "the child turned 18 or left the register (docs/operations.md). Each file in its own "
        "transaction with its audit row, then one summary row. --dry-run lists what would go "
        "(ids, areas, reasons, dates; never a name) and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files that are due; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        today = timezone.localdate()
        waiting = held_back(today).count()
        if dry_run:
            due = due_files(today)
            self._list(due)
            self.stdout.write(
                f"{len(due)} files due for anonymisation on {today.isoformat()}; "
                f"{waiting} more past their period wait for open work "
                "(a case, report, transfer or temporary guardianship). Nothing was changed."
            )
            return
        run = retention_run(today=today)
        self.stdout.write(
            f"Anonymised {len(run.anonymised)} of {len(run.due)} files due on "
            f"{today.isoformat()}; {len(run.skipped)} no longer due, {len(run.failed)} failed; "
            f"{waiting} wait for open work. Recorded in the audit log (retention.run)."
        )
        if run.failed:
            raise CommandError(
                "Could not anonymise the files with ids "
                + ", ".join(str(pk) for pk in run.failed)
                + " (see the log); they are tried again on the next run."
            )

    def _list(self, due) -> None:
        if not due:
            return
        ids = {pk for item in due for pk in (item.district_id, item.subdistrict_id)}
        ids |= {item.community_id for item in due}
        names = dict(Area.objects.filter(pk__in=ids).values_list("pk", "name"))
        self.stdout.write("child id\tarea\treason\tsince\tdue on")
        for item in due:
            area = "/".join(
                names.get(pk, "?")
                for pk in (item.district_id, item.subdistrict_id, item.community_id)
            )
            self.stdout.write(
                f"{item.child_id}\t{area}\t{item.reason}\t{item.since.isoformat()}\t"
                f"{item.due_on.isoformat()}"
            )
