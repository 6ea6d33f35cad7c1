"""Writes of SiteState, the installation's small facts (whether the demo data is loaded, when
the tallies were first counted)."""

from weibao.core.models import SiteState


def site_state_set(*, key: str, value: str = "") -> SiteState:
    state, _ = SiteState.objects.update_or_create(key=key, defaults={"value": value})
    return state
