"""The lists of the staff roster: the people of the work and their qualifications
(docs/domain.md §2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    """Everyone of the work of a 街镇 (docs/domain.md §2): the station's head, its legal deputy,
    the 儿童督导员 and the full-time staff at the 街镇; a 儿童主任 in each 居民区; social
    workers, volunteers, experts and lawyers at either."""

    HEAD = "station_head", _("Station head")  # 站长
    LEGAL_DEPUTY = "legal_deputy", _("Deputy head for legal affairs")  # 法治副站长
    SUPERVISOR = "supervisor", _("Child supervisor")  # 儿童督导员
    DIRECTOR = "director", _("Child director")  # 儿童主任
    FULL_TIME = "full_time", _("Full-time staff")  # 专职工作人员
    SOCIAL_WORKER = "social_worker", _("Social worker")  # 社工
    VOLUNTEER = "volunteer", _("Volunteer")  # 志愿者
    EXPERT = "expert", _("Expert")  # 专家
    LAWYER = "lawyer", _("Lawyer")  # 律师


# Where each role is placed: at the 街镇 (the station), in a 居民区, or either.
STATION_ROLES = frozenset(
    {StaffRole.HEAD, StaffRole.LEGAL_DEPUTY, StaffRole.SUPERVISOR, StaffRole.FULL_TIME}
)
COMMUNITY_ROLES = frozenset({StaffRole.DIRECTOR})
# Whose name and work phone the display wall may show, when they agree (issue: the wall).
WALL_ROLES = frozenset({StaffRole.SUPERVISOR, StaffRole.DIRECTOR})


class Qualification(models.TextChoices):
    """Certificates the Shanghai standard asks of a "qualified psychology or social-work
    professional" (docs/domain.md §1), and others the teams record."""

    SOCIAL_WORK_JUNIOR = "sw_junior", _("Social-work certificate, junior (助理社会工作师)")
    SOCIAL_WORK_INTERMEDIATE = (
        "sw_intermediate",
        _("Social-work certificate, intermediate (社会工作师)"),
    )
    SOCIAL_WORK_SENIOR = "sw_senior", _("Social-work certificate, senior (高级社会工作师)")
    COUNSELLOR = "counsellor", _("Psychological counsellor (心理咨询师)")
    LAWYER = "lawyer", _("Lawyer's practising certificate")
    TEACHER = "teacher", _("Teacher's certificate")


PROFESSIONAL_QUALIFICATIONS = frozenset(
    {
        Qualification.SOCIAL_WORK_JUNIOR,
        Qualification.SOCIAL_WORK_INTERMEDIATE,
        Qualification.SOCIAL_WORK_SENIOR,
        Qualification.COUNSELLOR,
    }
)


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("National")  # 国家级
    MUNICIPAL = "municipal", _("Municipal or provincial")  # 市级
    DISTRICT = "district", _("District level")  # 区级
    SUBDISTRICT = "subdistrict", _("Sub-district level")  # 街镇级
    OTHER = "other", _("Other")
