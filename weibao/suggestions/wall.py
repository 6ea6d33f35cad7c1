"""The suggestion board's section of a station's display wall (stations.hooks.wall_panels):
the latest answered suggestions — the public text and the answer, never a name (not even the
optional given name: docs/domain.md §8.5) — and the way to the board."""

import datetime as dt

from weibao.core.hooks import Panel
from weibao.stations.models import Workstation
from weibao.suggestions.selectors import answered_count, latest_answered

WALL_ROWS = 5


def suggestions_wall_panel(*, station: Workstation, today: dt.date, poster: bool) -> Panel:
    # The A3 poster has room for one line: how many have an answer, and the QR code to read them.
    if poster:
        context = {"answered_count": answered_count(station), "suggestions_poster": True}
    else:
        context = {
            "answered_suggestions": latest_answered(station, WALL_ROWS),
            "suggestions_poster": False,
        }
    return Panel("suggestions/_wall_panel.html", context)
