"""The lists of the inspection teams (docs/domain.md §8.2): what a finding is about, the four
parties of the 居民区's "四位一体" meeting, how a guardian agreed, and a finding's states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    SAFETY = "safety", _("Safety")
    ENVIRONMENT = "environment", _("Environment")
    FACILITIES = "facilities", _("Facilities")
    TRAFFIC = "traffic", _("Traffic")
    OTHER = "other", _("Other")


class Party(models.TextChoices):
    """The four of "四位一体" (docs/domain.md §8.2)."""

    PARTY_ORG = "party_org", _("Residential area Party organisation")
    COMMITTEE = "committee", _("Residents' committee")
    OWNERS = "owners", _("Owners' committee")
    PROPERTY = "property", _("Property management")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Signed consent form")
    IN_PERSON = "in_person", _("In person, recorded by the director")
    PHONE = "phone", _("By phone, recorded by the director")
    MESSAGE = "message", _("By message")


class FindingState(models.TextChoices):
    FOUND = "found", _("Found")
    ON_AGENDA = "on_agenda", _("On the agenda")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed as not actionable")


OPEN_STATES = (FindingState.FOUND, FindingState.ON_AGENDA, FindingState.IN_PROGRESS)
# Who owns a decided finding: one of the four parties, or someone else named in words.
OWNER_OTHER = "other"
