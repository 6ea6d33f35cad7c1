"""Projects and activities (项目化, docs/domain.md §8.3): a project and its brand, owned by a
station or by the district; activities under a project or alone, with their series; sign-up
(children of the register or walk-ins by given name and age), the waiting list, attendance,
photos with the consent of each child pictured, feedback; and the monthly figures kept per
街镇 for the dashboards."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.activities.choices import OLDEST, ActivityState, ProjectStatus, SignupStatus
from weibao.areas.models import DistrictKeyed


class Owned(DistrictKeyed):
    """Who runs it: a station (its 街镇) or the district (`subdistrict` and `station` empty)."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Workstation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )

    class Meta:
        abstract = True

    @property
    def owner_name(self) -> str:
        return self.station.name if self.station_id else self.district.name


class Project(Owned):
    name = models.CharField(_("project name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="+", verbose_name=_("partner organisations")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Child categories (children.categories.Category values) and age bands (choices.AgeBand).
    categories = models.JSONField(_("target categories"), default=list, blank=True)
    age_bands = models.JSONField(_("age bands"), default=list, blank=True)
    goals = models.TextField(_("goals"), blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["district", "status"]),
            models.Index(fields=["subdistrict", "status"]),
        ]

    def __str__(self) -> str:
        return self.name


class Series(Owned):
    """Activities repeated on given dates (文化四季: one per season): creating the series
    creates its activities."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="series"
    )
    title = models.CharField(_("title"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Activity(Owned):
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("project"),
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=100)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    # The place: a zone of the station, a partner's site, or words.
    zone = models.ForeignKey(
        "stations.StationZone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zone of the station"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner's site"),
    )
    place_text = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    age_min = models.PositiveSmallIntegerField(
        _("youngest age"), default=0, validators=[MaxValueValidator(OLDEST)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("oldest age"), default=OLDEST, validators=[MaxValueValidator(OLDEST)]
    )
    audience = models.CharField(_("audience"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ActivityState.choices, default=ActivityState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["district", "held_on"]),
            models.Index(fields=["subdistrict", "held_on"]),
            models.Index(fields=["station", "state", "held_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__lte=models.F("age_max")), name="activity_ages"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def place_name(self) -> str:
        if self.zone_id:
            return f"{self.station.name if self.station_id else ''} {self.zone.name}".strip()
        if self.partner_id:
            return self.partner.name
        return self.place_text

    @property
    def age_range(self) -> str:
        return f"{self.age_min}–{self.age_max}"


class Signup(DistrictKeyed):
    """A child signed up for an activity: one of the register (`child`, with the child's area
    columns) or a walk-in known by given name and age only (the activity's area, no 居民区).
    `position` keeps first-come order for the waiting list."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    walkin_name = models.CharField(_("given name"), max_length=20, blank=True)
    walkin_age = models.PositiveSmallIntegerField(
        _("age"), null=True, blank=True, validators=[MaxValueValidator(OLDEST)]
    )
    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices)
    position = models.PositiveIntegerField()
    attended = models.BooleanField(_("attended"), default=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "activity", "child"],
                condition=Q(child__isnull=False),
                name="signup_child_once",
            ),
            models.CheckConstraint(
                condition=Q(child__isnull=False) | ~Q(walkin_name=""), name="signup_who"
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "status", "position"]),
            models.Index(fields=["child", "attended"]),
            models.Index(fields=["community", "attended"]),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.child_id or self.walkin_name}"

    @property
    def is_walkin(self) -> bool:
        return self.child_id is None


def photo_path(instance: "ActivityPhoto", filename: str) -> str:
    # Never the user's file name on disk.
    return f"activities/{instance.activity_id}/{instance.token}"


class ActivityPhoto(models.Model):
    """A photo of an activity (JPEG or PNG written anew without metadata). `public` holds when
    every child pictured has consent (kept by the service that changes it)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=photo_path)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    walkins_consent = models.BooleanField(_("the walk-ins pictured have consent"), default=False)
    public = models.BooleanField(default=False, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class PhotoSubject(models.Model):
    """A child pictured in a photo (by their sign-up), with the consent to show it."""

    photo = models.ForeignKey(ActivityPhoto, on_delete=models.CASCADE, related_name="subjects")
    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="+")
    consent = models.BooleanField(_("consent to show"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "signup"], name="photo_subject_once")
        ]

    def __str__(self) -> str:
        return f"{self.photo_id}: {self.signup_id}"


class Feedback(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(_("feedback"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.rating}"


class MonthFigure(DistrictKeyed):
    """The figures of one 街镇 (empty: the district's own activities), month and project
    (empty: activities outside a project), recomputed by the services that change attendance
    or an activity's state, for the touched (街镇, month). Dashboards read these rows."""

    district = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField()  # the first day of the month
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    held = models.PositiveIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    children_in_difficulty = models.PositiveIntegerField(default=0)
    walkins = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month", "subdistrict_id", "project_id"]
        indexes = [
            models.Index(fields=["district", "month"]),
            models.Index(fields=["subdistrict", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.subdistrict_id or self.district_id} {self.month:%Y-%m} {self.project_id}"
