"""The one-off scan of the registry for possible duplicates (docs/domain.md §10): the children
registered before the duplicates app existed have no match keys, so nothing can match them
until this has run. It walks the registry in chunks of ids, each chunk in its own transaction
(the same work a registration does, for many children at once), and may be run again: a
dismissed pair stays dismissed, an existing pair is not recorded twice."""

from dataclasses import dataclass

from django.db import transaction

from weibao.audit.services import audit_job
from weibao.children.models import Child
from weibao.duplicates.services import children_match_refresh

CHUNK = 500


@dataclass
class ScanReport:
    children: int = 0
    pairs_found: int = 0


def registry_scan(*, district_id: int | None = None, chunk: int = CHUNK) -> ScanReport:
    report = ScanReport()
    last = 0
    children = Child.objects.filter(anonymised_at__isnull=True).only(
        "name", "birth_date", "id_number", "district", "subdistrict", "community", "anonymised_at"
    )
    if district_id is not None:
        children = children.filter(district_id=district_id)
    while True:
        batch = list(children.filter(pk__gt=last).order_by("pk")[:chunk])
        if not batch:
            break
        with transaction.atomic():
            report.pairs_found += children_match_refresh(children=batch)
        report.children += len(batch)
        last = batch[-1].pk
    with transaction.atomic():
        audit_job(
            action="duplicates.scan",
            run=f"district {district_id}" if district_id else "all",
            changes={"children": report.children, "pairs_found": report.pairs_found},
        )
    return report
