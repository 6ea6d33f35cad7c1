from django.urls import path

from weibao.administration import views

app_name = "administration"

urlpatterns = [
    path("areas/", views.areas_view, name="areas"),
    path("areas/new/", views.area_create_view, name="area_create"),
    path("areas/<int:pk>/", views.area_detail_view, name="area_detail"),
    path("areas/<int:pk>/close/", views.area_close_view, name="area_close"),
    path("areas/<int:pk>/merge/", views.area_merge_view, name="area_merge"),
]
