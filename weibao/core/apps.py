from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "weibao.core"
    label = "core"
