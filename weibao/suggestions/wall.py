"""The suggestion board's section of a station's display wall (stations.hooks.wall_panels):
the latest answered suggestions — the public text and the answer, never a name (not even the
optional given name: docs/domain.md §8.5) — and the way to the board."""

import datetime as dt

from weibao.core.hooks import Panel
from weibao.stations.models import Workstation
from weibao.suggestions.selectors import latest_answered

WALL_ROWS = 5
POSTER_ROWS = 3


def suggestions_wall_panel(*, station: Workstation, today: dt.date, poster: bool) -> Panel:
    rows = latest_answered(station, POSTER_ROWS if poster else WALL_ROWS)
    return Panel(
        "suggestions/_wall_panel.html",
        {"answered_suggestions": rows, "suggestions_poster": poster},
    )
