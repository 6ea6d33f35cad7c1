"""The lists of the workstations app: where a station is housed, its states, its zones, and the
words of the standard's evidence and review (docs/domain.md §1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HostFacility(models.TextChoices):
    """一址多用: the existing community facility a station is housed in (docs/domain.md §1)."""

    CULTURE_CENTRE = "culture_centre", _("Community cultural activity centre")
    ELDERLY_CENTRE = "elderly_centre", _("Elderly service centre")
    PARTY_CENTRE = "party_centre", _("Party and community service centre")
    CIVIC_CENTRE = "civic_centre", _("Civic centre")
    OTHER = "other", _("Other facility")


class StationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    BUILDING = "building", _("Being built")
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")


class ZoneKind(models.TextChoices):
    """The functional zones the source story names (docs/domain.md §1). A private counselling
    room is what the Shanghai 2025 standard asks for."""

    RECEPTION = "reception", _("Reception and advice")
    WAITING = "waiting", _("Waiting and rest")
    COUNSELLING = "counselling", _("Private counselling room")
    TEMPORARY_CARE = "temporary_care", _("Temporary care point for children in difficulty")
    ACTIVITY = "activity", _("Activities")
    MEETING = "meeting", _("Meetings (children's council)")
    OTHER = "other", _("Other")


class ComputedKind(models.TextChoices):
    """Evidence the system itself holds for an item of the standard: computed and shown, never
    typed (stations.evidence)."""

    TEAM = "team", _("The team: active staff and their roles")
    TEAM_CORE = "team_core", _("The core team: head, legal deputy and a professional")
    VENUE = "venue", _("The floor area and a private counselling room")
    LEDGER = "ledger", _("Service records in the last 3 months")
    ARCHIVE = "archive", _("Share of the children's files that are complete")
    MEETING = "meeting", _("The children's council")
    WALL = "wall", _("The public display wall is published")


class SelfAssessment(models.TextChoices):
    # "Met" alone is a report clock's word elsewhere (按时完成): this one has its context.
    MET = "met", pgettext_lazy("self-assessment", "Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met yet")


class ReviewDecision(models.TextChoices):
    PASSED = "passed", _("Passed")
    NEEDS_WORK = "needs_work", _("Needs work")


class ItemState(models.TextChoices):
    """Where one item of the standard stands for one station: the coverage grid's cells, each
    with its words (never colour alone)."""

    PASSED = "passed", _("Passed")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    NEEDS_WORK = "needs_work", _("Needs work")
    MISSING = "missing", _("No evidence")
    LAPSED = "lapsed", _("Lapsed")


# The colour each state is shown in (with its words): green, amber, red.
ITEM_COLOUR = {
    ItemState.PASSED: "green",
    ItemState.SUBMITTED: "amber",
    ItemState.NEEDS_WORK: "amber",
    ItemState.MISSING: "red",
    ItemState.LAPSED: "red",
}
