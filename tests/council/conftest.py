"""Council fixtures: 天山路's published station and 仙霞新村's (tests/suggestions)."""

from tests.suggestions.conftest import station, station_elsewhere  # noqa: F401 - fixtures
