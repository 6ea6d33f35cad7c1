"""The children's inspection team (儿童考察团) of each 居民区: its members (registered children
with their guardian's consent), its patrols, what it finds, and the 居民区's "四位一体" meetings
that take each finding up until it is resolved (docs/domain.md §8.2).

Every table carries the team's area columns (areas.AreaColumns), so each list is one indexed
range of a 居民区, a 街镇 or a district. A member's row keeps the team's 居民区 — the child's
at joining — and stays with the team if the child moves: the director records that they left."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.areas.models import AreaColumns
from weibao.core.fields import EncryptedTextField
from weibao.inspections.choices import OWNER_OTHER, Category, ConsentMethod, FindingState, Party


class Team(AreaColumns):
    """The inspection team of one 居民区 (at most one)."""

    name = models.CharField(_("team name"), max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection team")
        verbose_name_plural = _("inspection teams")
        ordering = ["community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "community"], name="inspection_team_one_per_community"
            )
        ]
        indexes = [models.Index(fields=["subdistrict"]), models.Index(fields=["district"])]

    def __str__(self) -> str:
        return self.name


class Member(AreaColumns):
    """A registered child on the team, with the guardian's consent: who agreed, on which day and
    how. Leaving is recorded (left_on), never deleted, so past patrols keep their people."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="+", verbose_name=_("child")
    )
    consent_by = EncryptedTextField(_("consent given by"), max_length=64)
    consent_on = models.DateField(_("consent given on"))
    consent_how = models.CharField(
        _("how consent was given"), max_length=12, choices=ConsentMethod.choices
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "team", "child"],
                condition=Q(left_on__isnull=True),
                name="inspection_member_once_while_on_team",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="inspection_member_leaves_after_joining",
            ),
        ]
        indexes = [models.Index(fields=["team", "left_on"]), models.Index(fields=["child"])]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.child_id}"

    @property
    def active(self) -> bool:
        return self.left_on is None


class Patrol(AreaColumns):
    """One outing of the team: the day, the route, which members went and the adults who went
    with them (in words)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="patrols")
    patrolled_on = models.DateField(_("date of the patrol"))
    route = models.CharField(_("route"), max_length=300)
    adults = models.CharField(_("adults accompanying"), max_length=200)
    members = models.ManyToManyField(
        Member, related_name="patrols", blank=True, verbose_name=_("members who went")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-patrolled_on", "-id"]
        indexes = [models.Index(fields=["team", "patrolled_on"])]

    def __str__(self) -> str:
        return f"{self.team_id} {self.patrolled_on}"


class Meeting(AreaColumns):
    """A "四位一体" meeting of the 居民区 (居民区党组织, 居委会, 业主委员会, 物业): which of
    the four attended, its notes; its agenda is the findings put on it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date of the meeting"))
    parties = models.JSONField(_("parties present"), default=list)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("四位一体 meeting")
        verbose_name_plural = _("四位一体 meetings")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["team", "held_on"])]

    def __str__(self) -> str:
        return f"{self.team_id} {self.held_on}"


def photo_path(instance: "Finding", filename: str) -> str:
    # Never the user's file name on disk.
    return f"inspections/{instance.team_id}/{instance.photo_token}"


class Finding(AreaColumns):
    """A problem the team found on a patrol, followed through the meeting to resolved
    (inspections.workflow)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="findings")
    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="findings", verbose_name=_("patrol")
    )
    what = models.CharField(_("what was found"), max_length=500)
    place = models.CharField(_("where"), max_length=200)
    place_general = models.CharField(_("where, in general words"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    # An optional photo (JPEG or PNG, written anew without its metadata: core.uploads).
    photo = models.FileField(upload_to=photo_path, blank=True)
    photo_token = models.CharField(max_length=32, blank=True)
    photo_type = models.CharField(max_length=20, blank=True)
    photo_size = models.PositiveIntegerField(default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=FindingState.choices, default=FindingState.FOUND
    )
    state_since = models.DateField()
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda",
        verbose_name=_("meeting"),
    )
    decision = models.TextField(_("the meeting's decision"), blank=True)
    owner = models.CharField(_("who does it"), max_length=12, blank=True)
    owner_other = models.CharField(_("who does it (other)"), max_length=60, blank=True)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    outcome = models.CharField(_("what was done"), max_length=300, blank=True)
    closed_reason = models.CharField(_("why it is not actionable"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["team", "state"]),
            models.Index(fields=["community", "state"]),
            models.Index(fields=["subdistrict", "state", "resolved_on"]),
            models.Index(fields=["district", "state"]),
            models.Index(fields=["state", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.what[:40]

    @property
    def is_open(self) -> bool:
        return self.state in (FindingState.FOUND, FindingState.ON_AGENDA, FindingState.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        """Past its due date and not resolved (shown red)."""
        return (
            self.state == FindingState.IN_PROGRESS
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    def owner_label(self) -> str:
        if self.owner == OWNER_OTHER:
            return self.owner_other
        return str(Party(self.owner).label) if self.owner in Party.values else ""
