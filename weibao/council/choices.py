"""The children's council's lists (docs/domain.md §8.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentHow(models.TextChoices):
    WRITTEN = "written", _("signed form")
    IN_PERSON = "in_person", _("in person, recorded by staff")
    PHONE = "phone", _("by phone, recorded by staff")
    ONLINE = "online", _("online message")
