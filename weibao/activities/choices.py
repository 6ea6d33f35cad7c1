"""The lists of projects and activities (docs/domain.md §8.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("project status", "Planned")
    RUNNING = "running", pgettext_lazy("project status", "Running")
    FINISHED = "finished", pgettext_lazy("project status", "Finished")
    SUSPENDED = "suspended", pgettext_lazy("project status", "Suspended")


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Signed up")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class AgeBand(models.TextChoices):
    """The age bands a project is meant for ([team], docs/domain.md §8.3)."""

    EARLY = "0-3", _("0–3 years")
    PRESCHOOL = "4-6", _("4–6 years")
    PRIMARY = "7-12", _("7–12 years")
    TEEN = "13-17", _("13–17 years")


OLDEST = 17
