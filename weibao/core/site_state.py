"""Writes of SiteState, the installation's small facts (whether the demo data is loaded, when
the tallies were first counted), and the demo banner's read, which every page makes."""

from weibao.core.cached import cached_read, forget
from weibao.core.models import SiteState

DEMO_BANNER_KEY = "site_state:demo_loaded"


def site_state_set(*, key: str, value: str = "") -> SiteState:
    state, _ = SiteState.objects.update_or_create(key=key, defaults={"value": value})
    if key == SiteState.DEMO_KEY:
        forget(DEMO_BANNER_KEY)
    return state


def demo_banner_shown() -> bool:
    """Whether the pages say the data is synthetic (every page asks): SiteState.demo_loaded,
    kept a minute in the cache. What decides whether to load the demo reads the database."""
    return cached_read(DEMO_BANNER_KEY, 60, SiteState.demo_loaded)
