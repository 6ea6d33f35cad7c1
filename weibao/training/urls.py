from django.urls import path

from weibao.training import views

app_name = "training"

urlpatterns = [
    path("", views.session_list_view, name="list"),
    path("new/", views.session_create_view, name="create"),
    path("rate/", views.rate_view, name="rate"),
    path("settings/", views.settings_view, name="settings"),
    path("topics/new/", views.topic_create_view, name="topic_create"),
    path("topics/<int:pk>/", views.topic_update_view, name="topic_update"),
    path("materials/<int:pk>/", views.material_download_view, name="material"),
    path("materials/<int:pk>/remove/", views.material_remove_view, name="material_remove"),
    path("<int:pk>/", views.session_detail_view, name="detail"),
    path("<int:pk>/edit/", views.session_edit_view, name="edit"),
    path("<int:pk>/delete/", views.session_delete_view, name="delete"),
    path("<int:pk>/roll/", views.roll_view, name="roll"),
    path("<int:pk>/materials/", views.material_upload_view, name="material_upload"),
]
