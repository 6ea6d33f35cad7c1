from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    """Projects and activities (项目化): projects and their brands, activities and series, sign-
    up, attendance, photos with consent, feedback, the child's passport and the counts they
    feed (docs/domain.md §8.3)."""

    name = "weibao.activities"
    label = "activities"
    verbose_name = _("Activities")
