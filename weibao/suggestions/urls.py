from django.urls import path

from weibao.suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestion_list_view, name="list"),
    path("<int:pk>/", views.suggestion_detail_view, name="detail"),
    path("<int:pk>/<slug:name>/", views.suggestion_step_view, name="step"),
]
