"""Deploy checks of the production setup (`weibao check --deploy`, docs/deploy.md): what one
server process cannot see for itself but several would get wrong."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_services_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    found = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith("LocMemCache") or backend.endswith("DummyCache"):
        found.append(
            checks.Warning(
                "The cache is kept in each server process: the rate limits and the sign-in "
                "lockout count per worker, so a client gets several times the limit, and a "
                "change of who must use two-factor sign-in reaches the other workers only "
                "within a minute.",
                hint="Set WEIBAO_CACHE_URL, e.g. redis://127.0.0.1:6379/1 (docs/deploy.md).",
                id="weibao.W001",
            )
        )
    if not getattr(settings, "CELERY_BROKER_URL", None):
        found.append(
            checks.Warning(
                "No Celery broker: in production nothing runs the daily job, the report clocks "
                "or the monthly reports, and imports are not committed in the background.",
                hint="Set CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0, and run a Celery "
                "worker and one beat (docs/deploy.md).",
                id="weibao.W002",
            )
        )
    return found
