from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "weibao.stations"
    label = "stations"
    verbose_name = _("Workstations")

    def ready(self) -> None:
        from weibao.areas.hooks import area_close_guards
        from weibao.stations.jobs import stations_daily
        from weibao.stations.services import area_station_guard
        from weibao.visits.hooks import daily_checks

        daily_checks.register(stations_daily)
        area_close_guards.register(area_station_guard, order=60)
