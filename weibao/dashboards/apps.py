from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Where the district stands: the figures kept per 居民区 and month (maintained aggregates,
    frozen once a month is past), the dashboards of the district, a 街镇 and a 居民区, and the
    monthly report (月报)."""

    name = "weibao.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from weibao.dashboards.jobs import figures_job
        from weibao.reports.hooks import clock_checks

        # The clocks job runs every 5 minutes (Celery beat, or `weibao serve`'s thread): the
        # figures follow within minutes, counted at most once per FIGURES_INTERVAL.
        clock_checks.register(figures_job, order=90)
