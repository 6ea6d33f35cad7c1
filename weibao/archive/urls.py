from django.urls import path

from weibao.archive import views

app_name = "archive"
urlpatterns = [
    path("children/<int:pk>/archive.pdf", views.child_archive_view, name="child"),
]
