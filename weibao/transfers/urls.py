from django.urls import path

from weibao.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_list_view, name="list"),
    path("start/<int:child_id>/", views.transfer_start_view, name="start"),
    path("<int:pk>/", views.transfer_detail_view, name="detail"),
    path("<int:pk>/<slug:name>/", views.transfer_action_view, name="action"),
]
