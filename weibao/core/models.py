from django.db import models


class SiteState(models.Model):
    """Small facts about this installation, such as whether the demo data has been loaded."""

    DEMO_KEY = "demo_loaded"

    key = models.CharField(max_length=40, unique=True)
    value = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key

    @classmethod
    def demo_loaded(cls) -> bool:
        return cls.objects.filter(key=cls.DEMO_KEY).exists()
