"""/api/v1/ routes of the training app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from weibao.training.api import TrainingRateView, TrainingSessionViewSet, TrainingTopicViewSet

router = SimpleRouter(use_regex_path=False)
router.register("training/sessions", TrainingSessionViewSet, basename="training-session")
router.register("training/topics", TrainingTopicViewSet, basename="training-topic")

urlpatterns = [
    path("training/rate/", TrainingRateView.as_view(), name="training-rate"),
    *router.urls,
]
