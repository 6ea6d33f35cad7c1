"""The suggestion board's lists (docs/domain.md §8.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    # Held for moderation: never shown in public before a staff member approves it.
    HELD = "held", _("awaiting moderation")
    REJECTED = "rejected", _("not published")
    RECEIVED = "received", pgettext_lazy("suggestion", "received")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("suggestion", "in progress")
    ANSWERED = "answered", _("answered")
    DECLINED = "declined", _("declined")


# Shown on the public board (approved) / still to be answered (the deadline runs).
PUBLIC_STATES = frozenset(
    {State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.ANSWERED, State.DECLINED}
)
OPEN_STATES = frozenset({State.ASSIGNED, State.IN_PROGRESS})


class Source(models.TextChoices):
    BOARD = "board", _("suggestion board")
    COUNCIL = "council", _("children's council")
