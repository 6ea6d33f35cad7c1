from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "weibao.core"
    label = "core"

    def ready(self) -> None:
        from weibao.core import checks  # noqa: F401  (registers the deploy checks)
