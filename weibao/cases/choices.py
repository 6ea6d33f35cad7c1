"""Case management lists (docs/domain.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The closed loop 发现 → 建档 → 评估 → 介入 → 服务 → 跟踪 → 结案 (see workflow.CASE)."""

    DISCOVERED = "discovered", _("Discovered")
    FILED = "filed", _("Filed")
    ASSESSED = "assessed", _("Assessed")
    INTERVENING = "intervening", _("Intervention")
    SERVING = "serving", _("Services")
    TRACKING = "tracking", _("Follow-up")
    CLOSING = "closing", _("Closing (awaiting approval)")
    CLOSED = "closed", _("Closed")


OPEN_STAGES = [s for s in Stage.values if s != Stage.CLOSED]


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    EMERGENCY = "emergency", _("Emergency")


class PlannedServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class NoNeedReason(models.TextChoices):
    """Why a case closes after its assessment without services (无保护需求): from this list only,
    so that the statistics can count them (docs/domain.md §7.7). "Other" is explained in the
    closing summary, which every closing request carries."""

    NO_HARM_FOUND = "no_harm_found", _("The assessment found no harm and no risk")
    CARE_RESTORED = "care_restored", _("The family again cares for the child properly")
    OTHER_AGENCY = "other_agency", _("Another agency has taken the child over")
    MOVED_AWAY = "moved_away", _("The child has moved out of the district")
    OTHER = "other", _("Other (explain it in the closing summary)")
