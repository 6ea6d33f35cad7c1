"""/api/v1/ routes of the archive app."""

from django.urls import path

from weibao.archive.api import ChildArchiveView

urlpatterns: list = [
    path("children/<int:id>/archive.pdf", ChildArchiveView.as_view(), name="child-archive"),
]
