"""The lists of the training work (docs/domain.md §2.7)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.staff.choices import StaffRole


class Mode(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("In person")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# The topics every district starts with (its own list: it adds, renames and retires them).
# The first two are the seed's 《民法典》 and 《未成年人保护法》 sessions; 强制报告 is
# docs/domain.md §5.
# Copied into migration 0002 as they stood then.
DEFAULT_TOPICS = (
    "民法典",
    "未成年人保护法",
    "强制报告",
    "家庭监护指导",
    "预防未成年人犯罪法",
    "个案管理",
)
# Who must be trained, and how many hours make "trained" in the period, until the district
# says otherwise (docs/domain.md §2.7; the seed's 培训率 counts the 儿童主任).
DEFAULT_REQUIRED_ROLES = (StaffRole.DIRECTOR, StaffRole.SUPERVISOR, StaffRole.FULL_TIME)
DEFAULT_MIN_HOURS = Decimal("4")
