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
    found = list(moving.order_by("pk").values_list("pk", "community_id"))
    if not found:
        return {}
    rows.model.objects.filter(pk__in=[pk for pk, _old in found]).update(**target)
    return {
        "rows": [pk for pk, _old in found],
        "community": {"old": sorted({old for _pk, old in found}), "new": to.community_id},
    }
