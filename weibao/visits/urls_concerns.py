from django.urls import path

from weibao.visits import views

app_name = "concerns"
urlpatterns = [
    path("", views.concern_list_view, name="list"),
    path("<int:pk>/", views.concern_detail_view, name="detail"),
    path("<int:pk>/handle/", views.concern_handle_view, name="handle"),
]
