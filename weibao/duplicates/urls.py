from django.urls import path

from weibao.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("", views.pair_list_view, name="list"),
    path("<int:pk>/", views.pair_view, name="pair"),
    path("<int:pk>/confirm/", views.pair_confirm_view, name="confirm"),
    path("<int:pk>/dismiss/", views.pair_dismiss_view, name="dismiss"),
]
