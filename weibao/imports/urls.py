from django.urls import path

from weibao.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list_view, name="list"),
    path("upload/", views.import_upload_view, name="upload"),
    path("<int:pk>/", views.import_detail_view, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping_view, name="mapping"),
    path("<int:pk>/commit/", views.import_commit_view, name="commit"),
    path("<int:pk>/refused.xlsx", views.import_refused_view, name="refused"),
]
