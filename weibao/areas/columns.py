"""Moving rows to another area: the one way an app brings the area columns of its own rows (an
AreaColumns model) in line with a child or a case that moved (docs/domain.md §3.12)."""

from typing import Any

from django.db.models import QuerySet


def area_columns_move(rows: QuerySet, *, to) -> dict[str, Any]:
    """Set the district, 街镇 and 居民区 of `rows` to those of `to` (a child, a case: anything
    with the three `*_id` columns), in one UPDATE. Returns what moved, for the caller's audit
    row — {"rows": [ids], "community": {"old": [ids], "new": id}} — or {} when every row was
    there already. Called by each app's own service on its own table, inside the transfer's
    transaction."""
    target = {
        "district_id": to.district_id,
        "subdistrict_id": to.subdistrict_id,
        "community_id": to.community_id,
    }
    moving = rows.exclude(**target)
    found = list(moving.order_by("pk").values_list("pk", "community_id", "district_id"))
    if not found:
        return {}
    # Where the rows are, by district and id (docs/scale.md, "What changes in the code",
    # point 8). Such an UPDATE changes the district itself, which Citus refuses: there a move
    # is a DELETE and an INSERT (point 4).
    rows.model.objects.filter(
        district_id__in={district for _pk, _old, district in found},
        pk__in=[pk for pk, _old, _district in found],
    ).update(**target)
    return {
        "rows": [pk for pk, _old, _district in found],
        "community": {"old": sorted({old for _pk, old, _d in found}), "new": to.community_id},
    }
