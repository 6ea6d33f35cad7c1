"""The inspection teams' section of a station's public display wall (stations.hooks.wall_panels):
the 街镇's findings resolved in the last 12 months — the category, the place in general words
(the 居民区 and the words its keepers chose for the public), what was done — and how many of each
category, a count under 5 shown as "<5". No child, no photo, no exact place (docs/domain.md
§8.5, §9.2)."""

from weibao.core.hooks import Panel
from weibao.inspections.choices import Category
from weibao.inspections.selectors import wall_resolved
from weibao.stations.evidence import shown_count


def wall_panel(*, station, today, poster: bool = False) -> Panel | None:
    rows, counts = wall_resolved(station.subdistrict_id, today)
    if not rows:
        return None
    labels = dict(Category.choices)
    return Panel(
        "inspections/_wall_panel.html",
        {
            "inspection_resolved": rows[:4] if poster else rows,
            "inspection_counts": [(labels[c], shown_count(n)) for c, n in counts.items() if n],
        },
    )
